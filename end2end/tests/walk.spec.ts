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
const projectName = 'Shop app';
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
