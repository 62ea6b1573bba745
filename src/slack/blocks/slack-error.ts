/**
 * A Slack error code (see `slackErrorCode`) in words, for the person who asked, the alert sender and the log.
 * Plain text: no markup, so it can go into JSON answers as it is.
 */
export function explainSlackError(code: string): string {
  switch (code) {
    case 'not_in_channel':
      return 'Flowbot is not in that channel; invite it with /invite @Flowbot';
    case 'channel_not_found':
      return 'the channel does not exist or Flowbot cannot see it';
    case 'is_archived':
      return 'the channel is archived';
    case 'msg_too_long':
      return 'the message is too long for Slack';
    case 'ratelimited':
      return 'Slack is rate-limiting Flowbot';
    case 'unreachable':
      return 'Slack could not be reached';
    default:
      return /^http_\d+$/.test(code) ? `Slack answered HTTP ${code.slice(5)}` : `Slack answered ${code}`;
  }
}
