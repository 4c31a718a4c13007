/**
 * Hosting a jam: the guest's own invite link `/j/<username>` to share (Web Share where the
 * phone has it, copy otherwise) and its QR code for guests in the room to scan.
 */
import { useState } from 'react';

/** The invite of `username`, folded away until asked for. */
export function InviteCard(props: { username: string }) {
  const link = `${window.location.origin}/j/${encodeURIComponent(props.username)}`;
  const [copied, setCopied] = useState<'yes' | 'failed' | null>(null);
  const canShare = typeof navigator.share === 'function';

  const share = async () => {
    if (canShare) {
      try {
        await navigator.share({ title: 'Join my jam on Lasso', url: link });
      } catch {
        // The guest closed the share sheet: nothing to say.
      }
      return;
    }
    try {
      await navigator.clipboard.writeText(link);
      setCopied('yes');
    } catch {
      setCopied('failed');
    }
  };

  return (
    <details className="card group">
      <summary className="flex min-h-11 cursor-pointer list-none items-center justify-between font-semibold">
        Hosting a jam? Invite your guests
        <span aria-hidden="true" className="muted transition-transform group-open:rotate-180">
          ▾
        </span>
      </summary>
      <div className="mt-3 space-y-3">
        <p className="muted text-sm">
          Guests who open this link or scan the code follow you on Lasso, and your scrobbles reach
          their profiles too.
        </p>
        <p className="rounded-xl bg-zinc-100 px-3 py-2 font-mono text-sm break-all dark:bg-zinc-800">
          {link}
        </p>
        <button type="button" className="btn-primary w-full" onClick={() => void share()}>
          {canShare ? 'Share invite link' : 'Copy invite link'}
        </button>
        {copied ? (
          <p role="status" className="text-sm">
            {copied === 'yes'
              ? 'Copied. Paste it in your group chat.'
              : 'Could not copy: select the link above and copy it.'}
          </p>
        ) : null}
        <img
          src={`/api/invite/${encodeURIComponent(props.username)}/qr.svg`}
          alt={`QR code of the invite link ${link}`}
          width={224}
          height={224}
          loading="lazy"
          className="mx-auto rounded-xl bg-white p-2"
        />
      </div>
    </details>
  );
}
