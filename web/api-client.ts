/** A refusal or failure of the API, with its `{ error, reason }` when it sent one. */
export class ApiRequestError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    reason: string,
  ) {
    super(reason);
    this.name = 'ApiRequestError';
  }
}

const KEY_STORAGE = 'recostream.apiKey';

/**
 * GETs JSON from the API that served the page. When the server guards reads (API_READ_KEY or
 * API_KEY), the key typed into the page is sent as a bearer token; it is kept for the browser
 * tab only (sessionStorage).
 */
export class ApiClient {
  private key: string | null = sessionStorage.getItem(KEY_STORAGE);

  setKey(key: string): void {
    this.key = key || null;
    if (this.key) sessionStorage.setItem(KEY_STORAGE, this.key);
    else sessionStorage.removeItem(KEY_STORAGE);
  }

  async get<T>(path: string): Promise<T> {
    const headers: Record<string, string> = { accept: 'application/json' };
    if (this.key) headers.authorization = `Bearer ${this.key}`;
    const response = await fetch(path, { headers, cache: 'no-store' });
    const text = await response.text();
    let body: unknown = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      // Not JSON: reported below with the status.
    }
    if (!response.ok) {
      const error = body as { error?: string; reason?: string } | null;
      throw new ApiRequestError(
        response.status,
        error?.error ?? 'http_error',
        error?.reason ?? `${path} answered ${response.status}`,
      );
    }
    return body as T;
  }
}
