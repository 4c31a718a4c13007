/** The banners a follow's status calls for: why it stopped or paused, and a daily-limit hold. */
import type { AppInfo, StatusResponse } from '../../../../contract/index.js';
import { useSignIn } from '../../api/mutations.js';
import { Banner } from '../../components/Banner.js';
import { heldText, pauseText, stopText } from '../../lib/words.js';

/** Every banner `status` calls for, most urgent first. */
export function StatusBanners(props: { status: StatusResponse; info: AppInfo }) {
  const { status } = props;
  const host = status.target_username ?? 'the host';
  const signIn = useSignIn();
  const banners = [];
  if (status.state === 'stopped' && status.stop_reason) {
    const message = stopText(status.stop_reason, host, props.info);
    if (message) {
      const revoked = status.stop_reason === 'auth_revoked';
      banners.push(
        <Banner
          key="stop"
          tone={revoked ? 'danger' : 'info'}
          title={message.title}
          alert={revoked}
          action={
            revoked ? (
              <button
                type="button"
                className="btn-primary"
                disabled={signIn.isPending}
                onClick={() => signIn.mutate('/')}
              >
                Sign in again
              </button>
            ) : undefined
          }
        >
          {message.text}
        </Banner>,
      );
    }
  }
  if (status.state === 'paused' && status.pause_reason) {
    const message = pauseText(status.pause_reason, host);
    banners.push(
      <Banner
        key="pause"
        tone={status.pause_reason === 'user' ? 'info' : 'warning'}
        title={message.title}
      >
        {message.text}
      </Banner>,
    );
  }
  if (status.held_until !== null) {
    const message = heldText(status.held_until);
    banners.push(
      <Banner key="held" tone="warning" title={message.title}>
        {message.text}
      </Banner>,
    );
  }
  if (banners.length === 0) return null;
  return <div className="space-y-3">{banners}</div>;
}
