// Runs before the page is drawn (not deferred): marks it as scripted, so the styles that need
// the scripts (the phone menu closed behind its button) apply from the first paint.
document.documentElement.classList.add("js");
