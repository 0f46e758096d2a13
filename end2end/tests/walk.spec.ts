import { test, expect, type Page } from '@playwright/test';
import { api, layout, push, retag } from './registry_fixture';
import { ROOT_PASSWORD, clickTo, shot, signIn, watchBrowser } from './ui_helpers';

// Berth as a person reaches it: sign in, then only clicks (no `goto` after the sign-in page),
// so every page is reached by client-side navigation, as it is in real use. Each page is
// checked for its heading and its sidebar; tags and a repository are deleted on the way.
// Any console error, page error, failed request or 5xx fails the walk.
const id = Date.now().toString(36);
const group = `walk-${id}`;
const groupName = `Walk ${id}`;
const projectName = `Shop ${id}`;
const project = `${group}/shop`;
const web = `${project}/web`;

test.beforeAll(async () => {
  test.setTimeout(180_000);
  const g = await api('POST', '/groups', { name: groupName, path: group, visibility: 'public' });
  await api('POST', '/projects', { name: projectName, path: 'shop', namespace_id: g.id, visibility: 'public' });
  push(layout('walk web'), web, 'v1');
  await retag(web, 'v1', ['v2', 'v3', 'keep', 'old-1', 'old-2']);
  push(layout('walk api'), `${project}/api`, '1');
});

const projectNav = (page: Page) => page.getByRole('navigation', { name: 'Project' });
const groupNav = (page: Page) => page.getByRole('navigation', { name: 'Group' });
const topBar = (page: Page) => page.getByRole('navigation', { name: 'Account' });

test('every page by clicking, with deletes on the way', async ({ page }, testInfo) => {
  test.setTimeout(120_000);
  const browser = watchBrowser(page);
  await signIn(page, 'root', ROOT_PASSWORD);

  // Dashboard → project → "Open the Container Registry"
  await clickTo(page, page.getByTestId('my-projects').getByRole('link', { name: projectName }), projectName);
  await expect(projectNav(page)).toBeVisible();
  await clickTo(page, page.getByRole('link', { name: 'Open the Container Registry' }), 'Container Registry');
  await expect(page.getByTestId('image-count')).toHaveText('2 image repositories');
  await expect(page.getByTestId('repository-row')).toHaveCount(2);
  await expect(projectNav(page)).toBeVisible();
  await shot(page, testInfo, 'walk-project-registry');

  // Sidebar: overview, then Deploy › Container Registry (the click that once showed a form error).
  await clickTo(page, projectNav(page).getByRole('link', { name: 'Project overview' }), projectName);
  await clickTo(page, projectNav(page).getByRole('link', { name: 'Container Registry' }), 'Container Registry');
  await expect(page.getByTestId('repository-row')).toHaveCount(2);

  // Repository name → tags; breadcrumb back; the back button forward again.
  await clickTo(page, page.getByRole('link', { name: web, exact: true }), web);
  await expect(page.getByTestId('tag-count')).toHaveText('6 tags');
  await expect(projectNav(page)).toBeVisible();
  await clickTo(page, page.locator('.breadcrumbs').getByRole('link', { name: 'Container Registry' }), 'Container Registry');
  await page.goBack();
  await expect(page.locator('main h1')).toHaveText(web);
  await expect(page.getByTestId('tag-count')).toHaveText('6 tags');

  // Delete one tag from the URL without a query.
  await page.locator('[data-tag="v3"]').getByTestId('delete-tag').click();
  await page.getByTestId('confirm-dialog').getByTestId('confirm-delete').click();
  await expect(page.getByTestId('delete-result')).toHaveText('1 tag deleted');
  await expect(page.getByTestId('tag-count')).toHaveText('5 tags');
  await expect(page.getByTestId('confirm-dialog')).toHaveCount(0);

  // Filter (a URL with a query), then delete two selected tags from there.
  await page.getByTestId('list-search').fill('old');
  await page.getByRole('button', { name: 'Apply' }).click();
  await expect(page).toHaveURL(/search%5B%5D=old|search\[\]=old/);
  expect(page.url()).not.toMatch(/[?&]=|=&|=$/);
  await expect(page.getByTestId('tag-row')).toHaveCount(2);
  await expect(page.getByTestId('tag-count')).toHaveText('2 of 5 tags');
  await page.locator('[data-tag="old-1"]').getByTestId('select-tag').check();
  await page.locator('[data-tag="old-2"]').getByTestId('select-tag').check();
  await page.getByTestId('delete-selected').click();
  await page.getByTestId('confirm-dialog').getByTestId('confirm-delete').click();
  await expect(page.getByTestId('delete-result')).toHaveText('2 tags deleted');
  await expect(page.getByTestId('tag-row')).toHaveCount(0);
  await expect(page.getByTestId('no-results')).toHaveText('No results for \u201cold\u201d');
  await shot(page, testInfo, 'walk-tags-after-delete');

  // Back to the list and delete a repository.
  await clickTo(page, page.locator('.breadcrumbs').getByRole('link', { name: 'Container Registry' }), 'Container Registry');
  const apiRow = page.locator(`[data-path="${project}/api"]`);
  await apiRow.getByTestId('delete-repository').click();
  await page.getByTestId('confirm-input').fill(`${project}/api`);
  await page.getByTestId('confirm-delete').click();
  await expect(page.getByTestId('delete-result')).toHaveText('Repository scheduled for deletion');
  // Until the background worker has removed it, it stays listed as being deleted.
  await expect(async () => {
    const rows = await apiRow.count();
    if (rows > 0) await expect(apiRow.getByTestId('repository-status')).toHaveText('This image repository is scheduled for deletion');
  }).toPass();

  // Settings pages through the sidebar.
  await clickTo(page, projectNav(page).getByRole('link', { name: 'General' }), 'General settings');
  await clickTo(page, projectNav(page).getByRole('link', { name: 'Repository' }), 'Deploy tokens');
  await clickTo(page, projectNav(page).getByRole('link', { name: 'Packages and registries' }), 'Packages and registries');
  await clickTo(page, projectNav(page).getByRole('link', { name: 'Members' }), /^Members of /);

  // The group: dashboard, group page, Operate › Container Registry, members.
  await clickTo(page, topBar(page).getByRole('link', { name: 'Dashboard' }), 'Your work');
  await clickTo(page, page.getByTestId('my-groups').getByRole('link', { name: groupName }), groupName);
  await clickTo(page, groupNav(page).getByRole('link', { name: 'Container Registry' }), 'Container Registry');
  await expect(page.locator(`[data-path="${web}"]`)).toBeVisible();
  await expect(groupNav(page)).toBeVisible();
  await clickTo(page, page.getByRole('link', { name: web, exact: true }), web);
  await clickTo(page, topBar(page).getByRole('link', { name: 'Dashboard' }), 'Your work');
  await clickTo(page, page.getByTestId('my-groups').getByRole('link', { name: groupName }), groupName);
  await clickTo(page, groupNav(page).getByRole('link', { name: 'Members' }), `Members of ${groupName}`);

  // The account pages.
  await clickTo(page, topBar(page).getByRole('link', { name: 'Access tokens' }), 'Personal access tokens');
  await clickTo(page, topBar(page).getByRole('link', { name: 'Admin' }), 'Admin area › Users');
  await clickTo(page, page.getByRole('link', { name: 'Home' }).first(), 'Welcome to Berth');
  browser.expectClean();
});

test.describe('without JavaScript', () => {
  test.use({ javaScriptEnabled: false });

  test('sign in, click through, and every form does what it says', async ({ page }, testInfo) => {
    test.setTimeout(120_000);
    const browser = watchBrowser(page, { javaScript: false });
    await api('PUT', `/projects/${encodeURIComponent(project)}`, {
      container_expiration_policy_attributes: { enabled: true, cadence: '7d', name_regex: 'old-.*', name_regex_keep: 'keep' },
    });
    await page.goto('/users/sign_in');
    await page.getByLabel('Username').fill('root');
    await page.getByLabel('Password').fill(ROOT_PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect(page).toHaveURL(/\/dashboard$/);

    await clickTo(page, page.getByTestId('my-projects').getByRole('link', { name: projectName }), projectName);
    await clickTo(page, projectNav(page).getByRole('link', { name: 'Container Registry' }), 'Container Registry');
    // What needs JavaScript is not offered.
    await expect(page.getByTestId('repository-row').first()).toBeVisible();
    await expect(page.getByTestId('delete-repository').first()).toBeHidden();
    await expect(page.locator('.copy-button').first()).toBeHidden();
    await clickTo(page, page.getByRole('link', { name: web, exact: true }), web);
    await expect(page.getByTestId('delete-tag').first()).toBeHidden();
    await shot(page, testInfo, 'nojs-tags');

    // The cleanup policy form shows the saved policy and saves.
    await clickTo(page, projectNav(page).getByRole('link', { name: 'Packages and registries' }), 'Packages and registries');
    await expect(page.getByTestId('cleanup-enabled')).toBeChecked();
    await expect(page.getByLabel('Remove tags matching (RE2, whole name)')).toHaveValue('old-.*');
    await expect(page.getByLabel('Keep tags matching (RE2, whole name; wins over removal)')).toHaveValue('keep');
    await page.getByLabel('Remove tags matching (RE2, whole name)').fill('v9.*');
    await page.getByTestId('cleanup-enabled').uncheck();
    await page.getByRole('button', { name: 'Save cleanup policy' }).click();
    await expect(page.getByTestId('cleanup-saved')).toHaveText('Cleanup policy saved.');
    await expect(page.getByLabel('Remove tags matching (RE2, whole name)')).toHaveValue('v9.*');
    await expect(page.getByTestId('cleanup-enabled')).not.toBeChecked();
    const saved = await api('GET', `/projects/${encodeURIComponent(project)}`);
    expect(saved.container_expiration_policy.name_regex).toBe('v9.*');
    expect(saved.container_expiration_policy.enabled).toBe(false);
    // A refused save names the field as the form does; nothing is lost.
    await page.getByLabel('Remove tags matching (RE2, whole name)').fill('v(');
    await page.getByRole('button', { name: 'Save cleanup policy' }).click();
    await expect(page.getByTestId('cleanup-error')).toContainText('Remove tags matching:');
    await expect(page.getByTestId('cleanup-error')).toContainText('position');
    expect((await api('GET', `/projects/${encodeURIComponent(project)}`)).container_expiration_policy.name_regex).toBe('v9.*');
    await shot(page, testInfo, 'nojs-cleanup');

    // General settings.
    await clickTo(page, projectNav(page).getByRole('link', { name: 'General' }), 'General settings');
    await page.getByLabel('Project visibility').selectOption('internal');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByTestId('settings-saved')).toHaveText('Settings saved.');
    await expect(page.getByLabel('Project visibility')).toHaveValue('internal');
    await page.getByLabel('Project visibility').selectOption('public');
    await page.getByRole('button', { name: 'Save changes' }).click();
    await expect(page.getByTestId('settings-saved')).toBeVisible();

    // A personal access token: its secret is shown once.
    await clickTo(page, topBar(page).getByRole('link', { name: 'Access tokens' }), 'Personal access tokens');
    await page.getByLabel('Token name').fill(`nojs-${id}`);
    await page.getByLabel('read_registry').check();
    await page.getByRole('button', { name: 'Create personal access token' }).click();
    await expect(page.getByTestId('new-token-secret')).toHaveValue(/^glpat-/);
    await expect(page.getByTestId(`token-nojs-${id}`)).toBeVisible();
    await page.reload();
    await expect(page.getByTestId('new-token')).toHaveCount(0);
    await expect(page.getByTestId(`token-nojs-${id}`)).toBeVisible();
    browser.expectClean();
  });
});

test('every page at 390 px and 1280 px: no page-wide scroll, top bar inside, sidebar behind the menu', async ({ page }, testInfo) => {
  test.setTimeout(180_000);
  const browser = watchBrowser(page);
  await signIn(page, 'root', ROOT_PASSWORD);
  const repos = (await api('GET', `/projects/${encodeURIComponent(project)}/registry/repositories`)).filter((r: { path: string }) => r.path === web);
  const longTag = `a-very-long-tag-name-that-people-really-push-${'x'.repeat(60)}`;
  await retag(web, 'v1', [longTag]);
  const pages = [
    '/', '/dashboard', '/groups/new', '/projects/new', '/-/user_settings/personal_access_tokens', '/admin/users', '/admin/registry',
    `/groups/${group}`, `/groups/${group}/-/group_members`, `/groups/${group}/-/container_registries`,
    `/${project}`, `/${project}/-/project_members`, `/${project}/container_registry`,
    `/${project}/container_registry/${repos[0].id}`, `/${project}/-/settings/general`, `/${project}/-/settings/repository`,
    `/${project}/-/settings/packages_and_registries`,
  ];
  const wide: string[] = [];
  for (const width of [390, 1280]) {
    await page.setViewportSize({ width, height: 844 });
    for (const url of pages) {
      await page.goto(url);
      await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
      await expect(page.locator('main h1').first()).toBeVisible();
      const scroll = await page.evaluate(() => document.documentElement.scrollWidth);
      if (scroll > width) wide.push(`${url} at ${width}px is ${scroll}px wide`);
      const bar = await page.locator('header.topbar').boundingBox();
      expect(bar!.x + bar!.width, `${url} top bar at ${width}px`).toBeLessThanOrEqual(width);
      const actions = await page.locator('.topbar-actions').boundingBox();
      expect(actions!.x + actions!.width, `${url} account links at ${width}px`).toBeLessThanOrEqual(width);
      const sidebar = page.locator('nav.sidebar');
      if (width === 390) {
        await expect(sidebar).toBeHidden();
        await page.getByLabel('Menu').click();
        await expect(sidebar).toBeVisible();
        await shot(page, testInfo, `phone-menu${url.replace(/[^a-z0-9]+/gi, '-')}`);
        await page.getByLabel('Menu').click();
        await expect(sidebar).toBeHidden();
      } else {
        await expect(sidebar).toBeVisible();
        await expect(page.getByLabel('Menu')).toBeHidden();
      }
      await shot(page, testInfo, `w${width}${url.replace(/[^a-z0-9]+/gi, '-')}`);
    }
  }
  expect(wide, 'pages that scroll sideways').toEqual([]);
  // A long tag name keeps its words whole (the table scrolls inside its card instead).
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`/${project}/container_registry/${repos[0].id}?search[]=a-very-long`);
  const name = page.locator(`[data-tag="${longTag}"]`).getByTestId('tag-name');
  expect(await name.evaluate((el) => el.getClientRects().length), 'one line box: not broken mid-word').toBe(1);
  // Following a sidebar link on a phone closes the menu.
  await page.getByLabel('Menu').click();
  await clickTo(page, projectNav(page).getByRole('link', { name: 'Project overview' }), projectName);
  await expect(page.locator('nav.sidebar')).toBeHidden();
  browser.expectClean();
});
