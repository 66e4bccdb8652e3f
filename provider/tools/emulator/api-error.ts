/**
 * An error the emulated server answers with. Body shape follows docs/genie-api.md §3:
 * {"error_code": "...", "message": "...", "details": [...]}.
 */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly errorCode: string,
    message: string,
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = "ApiError";
  }
}

export const invalidParameter = (message: string): ApiError =>
  new ApiError(400, "INVALID_PARAMETER_VALUE", message);

export const notFound = (message: string): ApiError => new ApiError(404, "RESOURCE_DOES_NOT_EXIST", message);

/** Error body with a RequestInfo detail, so clients can show the request id (docs/genie-api.md §3). */
export function errorBody(error: ApiError, requestId: string): Record<string, unknown> {
  const details: Record<string, unknown>[] = [
    { "@type": "type.googleapis.com/google.rpc.RequestInfo", request_id: requestId, serving_data: "" },
  ];
  const retryAfter = error.headers["Retry-After"];
  if (retryAfter !== undefined) {
    details.push({ "@type": "type.googleapis.com/google.rpc.RetryInfo", retry_delay: `${retryAfter}s` });
  }
  return { error_code: error.errorCode, message: error.message, details };
}
