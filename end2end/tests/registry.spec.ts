import { test, expect, type Page, type TestInfo } from '@playwright/test';
import { api, HOST, inspect, layout, push, retag } from './registry_fixture';
import { ROOT_PASSWORD, goto, shot, signIn } from './ui_helpers';

// The Container Registry pages as people use them: images pushed with skopeo, then listed,
// searched, sorted, paged (with the state in shareable URLs), inspected and deleted.
const id = Date.now().toString(36);
const group = `reg-${id}`;
const project = `${group}/shop`;
const secret = `${group}/vault`;
const web = `${project}/web`;
let webRepoId = 0;

const tagNames = (page: Page) => page.getByTestId('tag-name').allTextContents();
const repoPaths = (page: Page) => page.getByTestId('repository-row').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-path')));

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const g = await api('POST', '/groups', { name: group, path: group, visibility: 'public' });
  await api('POST', '/projects', { name: 'shop', path: 'shop', namespace_id: g.id, visibility: 'public' });
  await api('POST', '/projects', { name: 'vault', path: 'vault', namespace_id: g.id, visibility: 'private' });
  push(layout('web one'), web, 'v1.0');
  push(layout('web two, a little bigger'), web, 'v2.0');
  push(layout('web two, a little bigger'), web, 'latest');
  push(layout('api'), `${project}/api`, '1');
  push(layout('multi', ['amd64', 'arm64']), `${project}/multi`, '1.0');
  push(layout('secret'), `${secret}/img`, '1');
  // 22 more tags on web (26 in all): two pages of 20.
  await retag(web, 'v1.0', Array.from({ length: 22 }, (_, i) => `t${String(i).padStart(2, '0')}`));
  const repos = await api('GET', `/projects/${encodeURIComponent(project)}/registry/repositories`);
  webRepoId = repos.find((r: { path: string }) => r.path === web).id;
});

test('project registry: list, search, sort, shareable URL, CLI commands', async ({ page, context }, testInfo) => {
  await signIn(page, 'root', ROOT_PASSWORD);
  await goto(page, `/${project}/container_registry`);
  await expect(page.getByTestId('image-count')).toHaveText('3 image repositories');
  await expect(page.getByTestId('repository-row')).toHaveCount(3);
  await expect(page.getByTestId('storage-chart')).toBeVisible();
  await page.getByText('CLI commands').click();
  await expect(page.getByTestId('cli-login')).toHaveValue(`docker login ${HOST}`);
  await expect(page.getByTestId('cli-push')).toHaveValue(`docker push ${HOST}/${project}`);
  await shot(page, testInfo, 'project-registry');
  await page.getByText('CLI commands').click();

  await page.getByTestId('list-search').fill('mult');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/search%5B%5D=mult|search\[\]=mult/);
  await expect(page.getByTestId('repository-row')).toHaveCount(1);
  expect(await repoPaths(page)).toEqual([`${project}/multi`]);

  await page.getByTestId('list-search').fill('');
  await page.getByTestId('list-order').selectOption('NAME');
  await page.getByTestId('list-sort').selectOption('asc');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/orderBy=NAME/);
  await expect.poll(() => repoPaths(page)).toEqual([`${project}/api`, `${project}/multi`, web]);
  await page.getByTestId('list-sort').selectOption('desc');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/sort=desc/);
  await expect.poll(() => repoPaths(page)).toEqual([web, `${project}/multi`, `${project}/api`]);

  // The copied link shows the same view in a new page; the back button restores the last one.
  const shared = page.url();
  const other = await context.newPage();
  await goto(other, shared);
  expect(await repoPaths(other)).toEqual([web, `${project}/multi`, `${project}/api`]);
  await other.close();
  await page.goBack();
  await expect.poll(() => repoPaths(page)).toEqual([`${project}/api`, `${project}/multi`, web]);

  await goto(page, `/groups/${group}/-/container_registries`);
  await expect(page.getByTestId('repository-row')).toHaveCount(4);
  await shot(page, testInfo, 'group-registry');
});

test('tag details: paging by keyset, search, sort, sizes and digests match skopeo', async ({ page, context }, testInfo) => {
  await goto(page, `/${project}/container_registry/${webRepoId}`);
  await expect(page.getByTestId('tag-count')).toHaveText('25 tags');
  await expect(page.getByTestId('tag-row')).toHaveCount(20);
  await expect(page.getByTestId('size-chart')).toBeVisible();
  await shot(page, testInfo, 'tag-details');

  await page.getByTestId('list-order').selectOption('NAME');
  await page.getByTestId('list-sort').selectOption('asc');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/orderBy=NAME/);
  const all = ['latest', ...Array.from({ length: 22 }, (_, i) => `t${String(i).padStart(2, '0')}`), 'v1.0', 'v2.0'];
  await expect.poll(() => tagNames(page)).toEqual(all.slice(0, 20));
  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/after=/);
  await expect.poll(() => tagNames(page)).toEqual(all.slice(20));
  const secondPage = page.url();
  await page.getByRole('link', { name: 'Previous' }).click();
  await expect.poll(() => tagNames(page)).toEqual(all.slice(0, 20));
  await page.goBack();
  await expect(page).toHaveURL(secondPage);
  await expect.poll(() => tagNames(page)).toEqual(all.slice(20));
  const fresh = await context.newPage();
  await goto(fresh, secondPage);
  expect(await tagNames(fresh)).toEqual(all.slice(20));
  await fresh.close();

  await page.getByTestId('list-search').fill('t1');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect.poll(() => tagNames(page)).toEqual(['t10', 't11', 't12', 't13', 't14', 't15', 't16', 't17', 't18', 't19']);
  await expect(page).not.toHaveURL(/after=/);

  for (const tag of ['v2.0', 'v1.0']) {
    const want = inspect(web, tag);
    await page.getByTestId('list-search').fill(tag);
    await page.getByRole('button', { name: 'Apply' }).click();
    const row = page.locator(`[data-testid="tag-row"][data-tag="${tag}"]`);
    await expect(row.getByTestId('tag-digest')).toHaveAttribute('data-digest', want.digest);
    await expect(row.getByTestId('tag-config')).toHaveAttribute('data-digest', want.config);
    await expect(row.getByTestId('tag-size')).toHaveAttribute('data-bytes', String(want.size));
    await expect(row.getByTestId('tag-digest')).toHaveText(want.digest.slice(7, 19));
    await expect(row.getByRole('button', { name: `Copy ${web}:${tag}` })).toHaveAttribute('data-copy', `${HOST}/${web}:${tag}`);
  }

  const multi = await api('GET', `/projects/${encodeURIComponent(project)}/registry/repositories`);
  const multiId = multi.find((r: { path: string }) => r.path === `${project}/multi`).id;
  await goto(page, `/${project}/container_registry/${multiId}`);
  await expect(page.getByTestId('tag-platforms')).toHaveText('linux/amd64, linux/arm64');
  await shot(page, testInfo, 'tag-details-multi-platform');
});

test('deleting one tag, two selected tags, and a whole repository', async ({ page }, testInfo) => {
  await signIn(page, 'root', ROOT_PASSWORD);
  await goto(page, `/${project}/container_registry/${webRepoId}?orderBy=NAME&sort=asc`);
  await page.locator('[data-tag="t05"]').getByTestId('delete-tag').click();
  const dialog = page.getByTestId('confirm-dialog');
  await expect(dialog.getByRole('heading')).toHaveText('Remove tag');
  await expect(dialog.getByTestId('dialog-tags')).toHaveText(`${web}:t05`);
  await shot(page, testInfo, 'confirm-remove-tag');
  await dialog.getByTestId('confirm-delete').click();
  await expect(page.getByTestId('delete-result')).toHaveText('1 tag deleted');
  await expect(page.getByTestId('tag-count')).toHaveText('24 tags');
  await expect(page.locator('[data-tag="t05"]')).toHaveCount(0);

  await page.locator('[data-tag="t00"]').getByTestId('select-tag').check();
  await page.locator('[data-tag="t01"]').getByTestId('select-tag').check();
  await page.getByTestId('delete-selected').click();
  await expect(dialog.getByRole('heading')).toHaveText('Remove 2 tags');
  await expect(dialog.getByTestId('dialog-tags').locator('li')).toHaveText([`${web}:t00`, `${web}:t01`]);
  await dialog.getByTestId('confirm-delete').click();
  await expect(page.getByTestId('delete-result')).toHaveText('2 tags deleted');
  await expect(page.getByTestId('tag-count')).toHaveText('22 tags');
  const left = await api('GET', `/projects/${encodeURIComponent(project)}/registry/repositories/${webRepoId}/tags?per_page=100`);
  expect(left.map((t: { name: string }) => t.name)).not.toContain('t00');
  expect(left).toHaveLength(22);

  await goto(page, `/${project}/container_registry`);
  const apiRow = page.locator(`[data-testid="repository-row"][data-path="${project}/api"]`);
  await apiRow.getByTestId('delete-repository').click();
  await expect(page.getByTestId('confirm-delete')).toBeDisabled();
  await page.getByTestId('confirm-input').fill(`${project}/ap`);
  await expect(page.getByTestId('confirm-delete')).toBeDisabled();
  await page.getByTestId('confirm-input').fill(`${project}/api`);
  await shot(page, testInfo, 'confirm-delete-repository');
  await page.getByTestId('confirm-delete').click();
  await expect.poll(async () => {
    await goto(page, `/${project}/container_registry`);
    return repoPaths(page);
  }, { timeout: 30_000 }).not.toContain(`${project}/api`);
  await expect(page.getByTestId('image-count')).toHaveText('2 image repositories');
});

test('a Guest sees no delete controls; anonymous visitors of a private project get not found', async ({ page }, testInfo) => {
  const username = `guest-${id}`;
  const user = await api('POST', '/users', { username, name: 'Guest', email: `${username}@example.com`, password: 'guest-password-123' });
  const p = await api('GET', `/projects/${encodeURIComponent(project)}`);
  await api('POST', `/projects/${p.id}/members`, { user_id: user.id, access_level: 10 });
  await signIn(page, username, 'guest-password-123');
  await goto(page, `/${project}/container_registry`);
  await expect(page.getByTestId('repository-row').first()).toBeVisible();
  await expect(page.getByTestId('delete-repository')).toHaveCount(0);
  await goto(page, `/${project}/container_registry/${webRepoId}`);
  await expect(page.getByTestId('tag-row').first()).toBeVisible();
  await expect(page.getByTestId('delete-tag')).toHaveCount(0);
  await expect(page.getByTestId('select-tag')).toHaveCount(0);
  await expect(page.getByTestId('delete-selected')).toHaveCount(0);
  await shot(page, testInfo, 'guest-tag-details');

  await page.context().clearCookies();
  const response = await page.goto(`/${secret}/container_registry`);
  expect(response?.status()).toBe(404);
  await expect(page.getByRole('heading', { name: /not found/i })).toBeVisible();
  await shot(page, testInfo, 'anonymous-private-not-found');
});

/// The actions a registry token grants `root` on `path` (decoded from the JWT's claims).
async function granted(path: string): Promise<string[]> {
  const auth = Buffer.from(`root:${process.env.BERTH_E2E_ROOT_TOKEN}`).toString('base64');
  const res = await fetch(`${process.env.BERTH_URL}/jwt/auth?service=container_registry&scope=repository:${path}:pull,push`, {
    headers: { authorization: `Basic ${auth}` },
  });
  const { token } = await res.json();
  const claims = JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString());
  return (claims.access ?? []).flatMap((a: { actions: string[] }) => a.actions).sort();
}

test('turning the Container Registry off and on in the project settings', async ({ page }, testInfo) => {
  const g = await api('GET', `/groups/${group}`);
  await api('POST', '/projects', { name: 'toggle', path: 'toggle', namespace_id: g.id, visibility: 'public' });
  const toggle = `${group}/toggle`;
  push(layout('toggle'), `${toggle}/img`, '1');
  expect(await granted(`${toggle}/img`)).toEqual(['pull', 'push']);

  await signIn(page, 'root', ROOT_PASSWORD);
  await goto(page, `/${toggle}/-/settings/general`);
  await shot(page, testInfo, 'settings-general');
  await page.getByTestId('registry-enabled').uncheck();
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  await goto(page, `/${toggle}`);
  await expect(page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Container Registry' })).toHaveCount(0);
  const off = await page.goto(`/${toggle}/container_registry`);
  expect(off?.status()).toBe(404);
  expect(await granted(`${toggle}/img`)).toEqual([]);
  const rest = await fetch(`${process.env.BERTH_URL}/api/v4/projects/${encodeURIComponent(toggle)}/registry/repositories`, {
    headers: { 'PRIVATE-TOKEN': process.env.BERTH_E2E_ROOT_TOKEN ?? '' },
  });
  expect([403, 404]).toContain(rest.status);

  await goto(page, `/${toggle}/-/settings/general`);
  await page.getByTestId('registry-enabled').check();
  await page.getByLabel('Who can see the Container Registry').selectOption('private');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  expect(await granted(`${toggle}/img`)).toEqual(['pull', 'push']);
  await goto(page, `/${toggle}/container_registry`);
  await expect(page.getByTestId('repository-row')).toHaveCount(1);
  // "Only project members": anonymous visitors of this public project no longer see it.
  await page.context().clearCookies();
  const anonymous = await page.goto(`/${toggle}/container_registry`);
  expect(anonymous?.status()).toBe(404);
});

test('admin area shows garbage collection status and failed deletions', async ({ page }, testInfo) => {
  await signIn(page, 'root', ROOT_PASSWORD);
  await goto(page, '/admin/registry');
  await expect(page.getByTestId('gc-status')).toBeVisible();
  await expect(page.getByTestId('gc-blob-queue')).toHaveText(/^\d+$/);
  await shot(page, testInfo, 'admin-registry');
});

test('a project with tags cannot change its path; once the registry is empty it can', async ({ page }, testInfo) => {
  const g = await api('GET', `/groups/${group}`);
  const p = await api('POST', '/projects', { name: 'moving', path: 'moving', namespace_id: g.id, visibility: 'public' });
  push(layout('moving'), `${group}/moving/img`, 'v1');
  await signIn(page, 'root', ROOT_PASSWORD);
  await goto(page, `/${group}/moving/-/settings/general`);
  await page.getByLabel('Path', { exact: true }).fill('moved');
  await page.getByRole('button', { name: 'Change path' }).click();
  await expect(page.getByRole('alert')).toHaveText('Cannot rename project because it contains container registry tags!');
  await shot(page, testInfo, 'rename-refused');

  const repos = await api('GET', `/projects/${p.id}/registry/repositories`);
  await api('DELETE', `/projects/${p.id}/registry/repositories/${repos[0].id}/tags/v1`);
  await page.getByRole('button', { name: 'Change path' }).click();
  await expect(page).toHaveURL(new RegExp(`/${group}/moved/-/settings/general$`));
});

test('cleanup policy form: validation with the error position, live preview, save', async ({ page }, testInfo) => {
  const g = await api('GET', `/groups/${group}`);
  await api('POST', '/projects', { name: 'policy', path: 'policy', namespace_id: g.id, visibility: 'public' });
  const img = `${group}/policy/img`;
  push(layout('policy'), img, 'v1');
  await retag(img, 'v1', ['v2', 'v3', 'latest', 'stable']);
  await signIn(page, 'root', ROOT_PASSWORD);
  await goto(page, `/${group}/policy/-/settings/packages_and_registries`);
  const row = page.locator(`[data-testid="preview-row"][data-path="${img}"]`);

  await page.getByLabel('Keep the most recent').selectOption('');
  await page.getByLabel('Remove tags older than').selectOption('');
  await page.getByLabel('Remove tags matching (RE2, whole name)').fill('v(');
  // The error names the field as the form does, with the position.
  await expect(page.getByTestId('preview-error')).toContainText('Remove tags matching: invalid regular expression');
  await expect(page.getByTestId('preview-error')).toContainText('position 1');
  // A refused save answers 422 (invalid input), not a server error.
  const [refused] = await Promise.all([
    page.waitForResponse((r) => r.url().includes('save_cleanup_policy')),
    page.getByRole('button', { name: 'Save cleanup policy' }).click(),
  ]);
  expect(refused.status()).toBe(422);
  await expect(page.getByTestId('cleanup-error')).toContainText('Remove tags matching: invalid regular expression');
  await expect(page.getByLabel('Remove tags matching (RE2, whole name)')).toHaveAttribute('aria-invalid', 'true');
  await expect(page.getByLabel('Keep tags matching (RE2, whole name; wins over removal)')).not.toHaveAttribute('aria-invalid', 'true');

  await page.getByLabel('Remove tags matching (RE2, whole name)').fill('v.*');
  await page.getByLabel('Keep tags matching (RE2, whole name; wins over removal)').fill('v3');
  await expect(row.getByTestId('preview-tags')).toHaveText(/^(v1, v2|v2, v1)$/);
  await expect(page.getByTestId('preview-summary')).toContainText('2 tags would be deleted');
  await shot(page, testInfo, 'cleanup-policy-preview');

  await page.getByTestId('cleanup-enabled').check();
  await page.getByLabel('Run cleanup').selectOption('7d');
  await page.getByRole('button', { name: 'Save cleanup policy' }).click();
  await expect(page.getByTestId('cleanup-saved')).toBeVisible();
  await goto(page, `/${group}/policy/-/settings/packages_and_registries`);
  await expect(page.getByTestId('next-run')).toBeVisible();
  await expect(page.getByLabel('Remove tags matching (RE2, whole name)')).toHaveValue('v.*');
  // The preview deleted nothing; the registry page shows when the policy runs.
  const tags = await api('GET', `/projects/${encodeURIComponent(`${group}/policy`)}/registry/repositories?tags=true`);
  expect(tags[0].tags).toHaveLength(5);
  await goto(page, `/${group}/policy/container_registry`);
  await expect(page.getByTestId('cleanup-state')).toContainText('Cleanup will run');
});

test('without JavaScript: search, sort and paging work through plain links and GET forms', async ({ browser }, testInfo) => {
  const context = await browser.newContext({ javaScriptEnabled: false });
  const page = await context.newPage();
  await page.goto(`/${project}/container_registry/${webRepoId}?orderBy=NAME&sort=asc`);
  await expect(page.getByTestId('tag-row')).toHaveCount(20);
  await page.getByRole('link', { name: 'Next' }).click();
  await expect(page).toHaveURL(/after=/);
  const second = await tagNames(page);
  expect(second.length).toBeGreaterThan(0);
  expect(second.every((n) => n >= 't1')).toBe(true);
  await page.getByTestId('list-search').fill('v2');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/search%5B%5D=v2/);
  await expect.poll(() => tagNames(page)).toEqual(['v2.0']);
  await shot(page, testInfo, 'tag-details-without-javascript');
  await context.close();
});
