// The one error type of authentication and authorization: its status is 401 (who are you?) or 403
// (not allowed), and its message is safe to show the caller.
export class AuthError extends Error {
  constructor(message: string, readonly status = 401) {
    super(message);
  }
}
