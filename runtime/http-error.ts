// A request the decision service refuses: its status and the error body sent.
export class HttpError extends Error {
  constructor(readonly status: number, readonly body: Record<string, unknown>) { super(String(body['message'] ?? status)); }
}
