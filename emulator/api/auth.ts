/** `auth.getToken` and `auth.getSession` (docs/lastfm.md, "Sign-in"). */
import { apiErrors } from '../errors.js';
import type { ApiBody, ApiCall, ApiContext, MethodDef } from './context.js';
import { required } from './context.js';

/** Desktop flow: an unauthorised token, to be approved on `/api/auth/?api_key=…&token=…`. */
export const getToken: MethodDef = {
  name: 'auth.getToken',
  write: false,
  signed: true,
  handle(ctx: ApiContext, call: ApiCall): ApiBody {
    return { token: ctx.auth.issueToken(call.app.apiKey, null, call.nowMs).token };
  },
};

/** Trades an approved token for a session key; the token is consumed. */
export const getSession: MethodDef = {
  name: 'auth.getSession',
  write: false,
  signed: true,
  handle(ctx: ApiContext, call: ApiCall): ApiBody {
    const token = required(call.params, 'token');
    const session = ctx.auth.exchange(
      token,
      call.app.apiKey,
      call.nowMs,
      ctx.quirks.consumedTokenCode,
    );
    const user = ctx.state.user(session.user);
    if (!user) throw apiErrors.badToken();
    return {
      session: {
        name: user.name,
        key: session.key,
        subscriber: ctx.quirks.sessionSubscriberAsString ? '0' : 0,
      },
    };
  },
};
