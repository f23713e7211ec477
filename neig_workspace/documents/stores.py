"""The one place a blob store is built from the configuration (BLOB_BACKEND): the local
filesystem store, or an S3-compatible object store. Both stage uploads in BLOB_ROOT/tmp."""

import functools

from .s3_storage import S3BlobStore
from .storage import LocalBlobStore

BACKENDS = ("local", "s3")
DOWNLOAD_MODES = ("redirect", "stream")


def blob_store(config) -> LocalBlobStore | S3BlobStore:
    backend = config.get("BLOB_BACKEND", "local")
    if backend == "local":
        return LocalBlobStore(config["BLOB_ROOT"])
    if backend != "s3":
        raise ValueError(f"BLOB_BACKEND must be one of {', '.join(BACKENDS)}, not {backend!r}")
    if not config.get("S3_BUCKET"):
        raise ValueError("BLOB_BACKEND=s3 needs S3_BUCKET")
    client = s3_client(
        config.get("S3_ENDPOINT_URL") or None,
        config.get("S3_REGION") or None,
        config.get("S3_ACCESS_KEY_ID") or None,
        config.get("S3_SECRET_ACCESS_KEY") or None,
    )
    return S3BlobStore(
        config["BLOB_ROOT"], client, config["S3_BUCKET"], config.get("S3_PREFIX", "")
    )


@functools.lru_cache(maxsize=8)
def s3_client(endpoint: str | None, region: str | None, key_id: str | None, secret: str | None):
    """One client per process and settings (building one takes tens of milliseconds; a client
    is safe to share between threads). Without keys boto3 finds its own (environment, an
    instance role)."""
    import boto3
    from botocore.config import Config

    return boto3.session.Session().client(
        "s3",
        endpoint_url=endpoint,
        region_name=region,
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(
            signature_version="s3v4",
            # MinIO and Ceph on a host name of their own: the bucket goes in the path.
            s3={"addressing_style": "path" if endpoint else "auto"},
            connect_timeout=5,
            read_timeout=60,
            retries={"max_attempts": 3, "mode": "standard"},
            # Checksums only where S3 requires them: the newer defaults (CRC32 trailers on
            # every upload) are refused by some S3-compatible servers.
            request_checksum_calculation="when_required",
            response_checksum_validation="when_required",
            max_pool_connections=4,
        ),
    )
