"""Create the media bucket in the S3-compatible store of compose.yaml's "minio" profile.

Run once by the ``bucket`` service. Waits (up to a minute) for the store to answer, then
creates AWS_STORAGE_BUCKET_NAME unless it exists. Credentials and the endpoint come from
the same variables Factdesk reads (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_S3_ENDPOINT_URL).
"""

import os
import sys
import time

import boto3
from botocore.exceptions import ClientError, EndpointConnectionError

bucket = os.environ.get("AWS_STORAGE_BUCKET_NAME", "")
endpoint = os.environ.get("AWS_S3_ENDPOINT_URL") or None
if not bucket:
    sys.exit("AWS_STORAGE_BUCKET_NAME is not set.")
s3 = boto3.client("s3", endpoint_url=endpoint)
for _ in range(60):
    try:
        s3.head_bucket(Bucket=bucket)
        print(f"Bucket {bucket} exists.")
        break
    except ClientError:
        s3.create_bucket(Bucket=bucket)
        print(f"Bucket {bucket} created.")
        break
    except EndpointConnectionError:
        time.sleep(1)
else:
    sys.exit(f"The object store at {endpoint} did not answer within a minute.")
