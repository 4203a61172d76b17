import type { WebClient } from '@slack/web-api';

/**
 * Uploads a chart into a channel with Slack's external upload flow
 * (files.getUploadURLExternal, the upload itself, files.completeUploadExternal), which
 * `filesUploadV2` performs. files.upload is retired.
 */
export async function uploadSlackImage(client: WebClient, channel: string, image: { title: string; png: Buffer; filename: string }): Promise<void> {
  await client.filesUploadV2({ channel_id: channel, file: image.png, filename: image.filename, title: image.title });
}
