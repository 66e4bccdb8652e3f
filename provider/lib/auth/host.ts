// Host normalization (docs/genie-api.md §4, Go SDK `fixHostIfNeeded`): users paste workspace URLs in
// many shapes — bare host names, trailing slashes, browser URLs with `?o=<workspace id>`.

export function normalizeHost(
  raw: string,
  makeError: (message: string) => Error,
): { host: string; workspaceId?: string } {
  let text = raw.trim();
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(text)) text = `https://${text}`;
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw makeError(`Databricks host "${raw}" is not a valid URL (expected e.g. https://dbc-1234.cloud.databricks.com)`);
  }
  if (url.protocol !== "https:" && url.protocol !== "http:") {
    throw makeError(`Databricks host "${raw}" must use https:// (or http:// for a local emulator)`);
  }
  if (url.username !== "" || url.password !== "") {
    // Never echo the URL: it carries credentials.
    throw makeError("Databricks host must not contain a user name or password");
  }
  const workspaceId = url.searchParams.get("o") ?? undefined;
  // Only scheme + host + port identify a workspace; any path or query from a pasted browser URL is dropped.
  const result: { host: string; workspaceId?: string } = { host: url.origin };
  if (workspaceId !== undefined && workspaceId !== "") result.workspaceId = workspaceId;
  return result;
}
