/**
 * A fresh, mutable set of the headers every response carries, errors included: v2's set plus
 * what a zero-alert OWASP ZAP API scan expects. Names are lower case, as Lambda Function URLs
 * and HTTP/2 carry them.
 */
export function responseHeaders(): Record<string, string> {
  // An object literal with fixed keys is several times cheaper per request than spreading a
  // frozen template, and this runs on every request.
  return {
    "content-type": "application/json",
    "strict-transport-security": "max-age=31536000; includeSubDomains",
    "x-content-type-options": "nosniff",
    "cache-control": "no-cache, no-store, must-revalidate, proxy-revalidate",
    pragma: "no-cache",
    expires: "0",
    "content-security-policy": "default-src 'none'; frame-ancestors 'none'",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-resource-policy": "same-origin",
  };
}

/** The security headers as a read-only reference (tests, documentation). */
export const SECURITY_HEADERS: Readonly<Record<string, string>> = Object.freeze(responseHeaders());
