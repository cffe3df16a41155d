// What the desk's upload script (../../static/desk-upload.js) uses: Uppy's core (files, progress,
// retries) and its S3 uploader (single presigned PUTs, and multipart uploads that resume from
// ListParts), and GOV.UK Frontend's file upload component (the accessible drop zone with its
// "choose files" button, GDS-tested with assistive technologies) instead of an Uppy UI plugin.
import Uppy from '@uppy/core'
import AwsS3 from '@uppy/aws-s3'
import { FileUpload } from 'govuk-frontend/dist/govuk/components/file-upload/file-upload.mjs'

window.DeskUppy = { Uppy, AwsS3, FileUpload }
