// The error a handler throws to refuse a request: an HTTP status, a reason the caller can act on,
// and the fields at fault. `handle` (endpoint.ts) turns it into the reply.

/** A refusal with a status and a reason the caller can act on. */
export class HttpError extends Error {
  constructor(readonly status: number, message: string, readonly details?: unknown) {
    super(message);
  }
}

export interface FieldError {
  field: string;
  message: string;
}
