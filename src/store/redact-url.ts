/**
 * The store URL as it may appear in logs and error messages: the password, if any,
 * replaced by `***`. Text that is not a URL is returned as is (it cannot hold a
 * password in a form we would recognise, and the operator needs to see what was given).
 */
export function redactUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return url;
  }
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}
