import { expect, type Page, type TestInfo } from '@playwright/test';

// What the browser tests share: navigation that waits for hydration, screenshots, and the
// sign-in, sign-out and user-creation steps as a person does them.
export const ROOT_PASSWORD = 'e2e-root-password';

export async function goto(page: Page, url: string) {
  const response = await page.goto(url);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  return response;
}

export async function shot(page: Page, testInfo: TestInfo, name: string) {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

export async function signIn(page: Page, username: string, password: string) {
  await goto(page, '/users/sign_in');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page).toHaveURL(/\/dashboard$/);
  await expect(page.getByTestId('current-user')).toHaveText(username);
}

export async function signOut(page: Page) {
  await page.getByRole('button', { name: 'Sign out' }).click();
  await expect(page).toHaveURL(/\/users\/sign_in$/);
  await expect(page.getByRole('link', { name: 'Sign in' })).toBeVisible();
}

export async function createUser(page: Page, username: string, password: string) {
  await goto(page, '/admin/users');
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Name', { exact: true }).fill(`User ${username}`);
  await page.getByLabel('Email').fill(`${username}@example.com`);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Create user' }).click();
  await expect(page.getByText(`User ${username} created.`)).toBeVisible();
  await expect(page.getByTestId(`user-${username}`)).toBeVisible();
}

/// Collects every console error, uncaught page error and failed request of `page`; call
/// `expectClean()` at the end of a walk to fail on any.
export function watchBrowser(page: Page, opts: { javaScript?: boolean } = {}) {
  const problems: string[] = [];
  const javaScript = opts.javaScript ?? true;
  page.on('console', (msg) => { if (msg.type() === 'error') problems.push(`console: ${msg.text()}`); });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) => {
    // A navigation away while a request is in flight aborts it: not a failure of the page.
    if (req.failure()?.errorText === 'net::ERR_ABORTED') return;
    // With JavaScript off, Chromium blocks the app's script and WebAssembly preloads itself.
    if (!javaScript && req.failure()?.errorText === 'csp' && /\/pkg\/berth\.(js|wasm)$/.test(req.url())) return;
    problems.push(`request failed: ${req.method()} ${req.url()} ${req.failure()?.errorText}`);
  });
  page.on('response', (res) => { if (res.status() >= 500) problems.push(`HTTP ${res.status()}: ${res.url()}`); });
  return { expectClean: () => expect(problems, problems.join('\n')).toEqual([]) };
}

/// Clicks `link` and waits until the page it leads to shows `heading` as its first `h1`.
export async function clickTo(page: Page, link: ReturnType<Page['locator']>, heading: string | RegExp) {
  await link.click();
  await expect(page.locator('main h1').first()).toHaveText(heading);
}
