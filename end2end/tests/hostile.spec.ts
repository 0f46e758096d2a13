import { test, expect, type Page } from '@playwright/test';
import { BASE, ROOT_TOKEN, api, layout, push } from './registry_fixture';
import { ROOT_PASSWORD, clickTo, signIn, watchBrowser } from './ui_helpers';

// Names that people control, made of markup and quotes, must come out as text on every page:
// in the server's HTML (the `<title>` above all, which leptos_meta does not escape), in
// attributes, in the hydration data, and after hydration. A live element from the corpus
// would show up as an `img[src=x]`, an `[onerror]` attribute, an unexpected `<script>` or a
// JavaScript dialog.
const id = Date.now().toString(36);
const corpus = [
  '</title><img src=x onerror=alert(1)><title>',
  '"><img src=x onerror=alert(2)>',
  "'><svg onload=alert(3)>",
  '<script>alert(4)</script>',
  '</script><script>alert(5)</script>',
  '&lt;b&gt; & "quotes" \'single\'',
];
const markers = ['<img src=x', '<svg onload', '<script>alert'];
const hostile = (n: number) => `${corpus[n % corpus.length]} ${id}-${n}`;
const group = `evil-${id}`;
const project = `${group}/app`;
let pages: string[] = [];

test.beforeAll(async () => {
  test.setTimeout(120_000);
  const g = await api('POST', '/groups', { name: hostile(0), path: group, visibility: 'public', description: hostile(1) });
  const sub = await api('POST', '/groups', { name: hostile(3), path: 'sub', parent_id: g.id, visibility: 'public' });
  const p = await api('POST', '/projects', { name: hostile(0), path: 'app', namespace_id: g.id, visibility: 'public', description: hostile(2) });
  await api('POST', '/projects', { name: hostile(4), path: 'inner', namespace_id: sub.id, visibility: 'public' });
  const user = await api('POST', '/users', { username: `evil${id}`, name: hostile(1), email: `evil${id}@example.com`, password: 'evil-password-123' });
  await api('POST', `/projects/${p.id}/members`, { user_id: user.id, access_level: 30 });
  await api('POST', `/projects/${p.id}/deploy_tokens`, { name: hostile(2), scopes: ['read_registry'] });
  await api('POST', `/users/1/personal_access_tokens`, { name: hostile(5), scopes: ['read_registry'] });
  push(layout('evil'), `${project}/img`, 'v1');
  const repos = await api('GET', `/projects/${p.id}/registry/repositories`);
  pages = [
    `/groups/${group}`, `/groups/${group}/-/group_members`, `/groups/${group}/-/container_registries`,
    `/groups/${group}/sub`, `/${project}`, `/${project}/container_registry`,
    `/${project}/container_registry/${repos[0].id}`, `/${project}/-/project_members`,
    `/${project}/-/settings/general`, `/${project}/-/settings/repository`,
    `/${project}/-/settings/packages_and_registries`, `/${group}/sub/inner`,
    '/dashboard', '/admin/users', '/-/user_settings/personal_access_tokens', '/projects/new',
  ];
});

async function expectNoLiveMarkup(page: Page, url: string) {
  await expect(page.locator('img[src="x"]'), url).toHaveCount(0);
  await expect(page.locator('[onerror], [onload]'), url).toHaveCount(0);
  await expect(page.locator('svg[onload]'), url).toHaveCount(0);
  // Only the app's own scripts: the nonce'd bootstrap and data, and /pkg bundles.
  const foreign = await page.locator('script').evaluateAll((els) =>
    els.filter((s) => !(s as HTMLScriptElement).nonce && !(s as HTMLScriptElement).src.includes('/pkg/')).map((s) => s.outerHTML));
  expect(foreign, url).toEqual([]);
}

test('server HTML of every page carries the corpus as text only', async ({ request }) => {
  const login = await request.post('/-/fn/sign_in', { form: { username: 'root', password: ROOT_PASSWORD }, headers: { origin: BASE }, maxRedirects: 0 });
  expect(login.status()).toBeLessThan(400);
  for (const url of pages) {
    const res = await request.get(url);
    expect(res.status(), url).toBe(200);
    const html = await res.text();
    for (const m of markers) expect(html.includes(m), `${url} contains ${m}`).toBe(false);
    // The document's one <title> (charts have SVG <title>s of their own, in the body).
    const head = html.split('</head>')[0];
    expect(head.match(/<title>[^<]*<\/title>/), `${url} has one plain <title>`).not.toBeNull();
    expect((head.match(/<title>/g) ?? []).length, url).toBe(1);
    const csp = res.headers()['content-security-policy'] ?? '';
    expect(csp, url).toContain("frame-ancestors 'none'");
    expect(csp, url).toContain("'wasm-unsafe-eval'");
    expect(csp, url).not.toContain('unsafe-inline');
    expect(res.headers()['x-content-type-options'], url).toBe('nosniff');
    expect(res.headers()['referrer-policy'], url).toBe('strict-origin-when-cross-origin');
  }
  // The token page after sign-in also lists the hostile token name, as text.
  const tokens = await (await request.get('/-/user_settings/personal_access_tokens')).text();
  expect(tokens).toContain('&lt;b&gt;');
  expect(ROOT_TOKEN).not.toBe('');
});

test('hydrated pages: the corpus stays text, titles read as typed, no dialog opens', async ({ page }) => {
  test.setTimeout(120_000);
  const browser = watchBrowser(page);
  page.on('dialog', (d) => { throw new Error(`a JavaScript dialog opened: ${d.message()}`); });
  await signIn(page, 'root', ROOT_PASSWORD);
  for (const url of pages) {
    await page.goto(url);
    await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
    await expectNoLiveMarkup(page, url);
  }
  await page.goto(`/${project}`);
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page).toHaveTitle(`${hostile(0)} · Berth`);
  await expect(page.locator('main h1')).toHaveText(hostile(0));
  // Reached by clicking too (client-side rendering of the same names).
  await clickTo(page, page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Container Registry' }), 'Container Registry');
  await expectNoLiveMarkup(page, 'registry by click');
  await expect(page).toHaveTitle(`Container Registry · ${hostile(0)} · Berth`);
  browser.expectClean();
});
