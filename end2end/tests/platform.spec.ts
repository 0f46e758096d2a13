import { test, expect, type Page, type TestInfo } from '@playwright/test';
import { ROOT_PASSWORD, createUser, goto, shot, signIn, signOut } from './ui_helpers';

// Every test makes its own groups, projects and users (unique per run), so the tests do not
// depend on each other's order.
let counter = 0;
const unique = (prefix: string) => `${prefix}-${Date.now().toString(36)}${(counter++).toString(36)}`;

async function createGroup(page: Page, path: string, visibility = 'private') {
  await goto(page, '/groups/new');
  await page.getByLabel('Group name').fill(`Group ${path}`);
  await page.getByLabel('Group URL (path)').fill(path);
  await page.getByLabel('Visibility').selectOption(visibility);
  await page.getByRole('button', { name: 'Create group' }).click();
  await expect(page).toHaveURL(new RegExp(`/groups/${path}$`));
  await expect(page.getByRole('heading', { name: `Group ${path}` })).toBeVisible();
}

async function createProject(page: Page, namespace: string, path: string, visibility = 'private') {
  await goto(page, '/projects/new');
  await page.getByLabel('Project name').fill(`Project ${path}`);
  await page.getByLabel('Namespace').selectOption({ label: namespace });
  await page.getByLabel('Project slug (path)').fill(path);
  await page.getByLabel('Visibility').selectOption(visibility);
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page).toHaveURL(new RegExp(`/${namespace}/${path}$`));
  await expect(page.getByRole('heading', { name: `Project ${path}` })).toBeVisible();
}

function inDays(days: number) {
  return new Date(Date.now() + days * 86_400_000).toISOString().slice(0, 10);
}

test('sign in: a wrong password is refused with a message, the right one opens the dashboard', async ({ page }, testInfo) => {
  await goto(page, '/users/sign_in');
  await page.getByLabel('Username').fill('root');
  await page.getByLabel('Password').fill('not-the-password');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toHaveText('Invalid username or password.');
  await expect(page).toHaveURL(/\/users\/sign_in$/);
  await shot(page, testInfo, 'sign-in-error');

  await signIn(page, 'root', ROOT_PASSWORD);
  await expect(page.getByRole('heading', { name: 'Your work' })).toBeVisible();
  await shot(page, testInfo, 'dashboard');
});

test('pages that need a user send anonymous visitors to sign in', async ({ page }) => {
  await page.goto('/dashboard');
  await expect(page).toHaveURL(/\/users\/sign_in$/);
});

test('create a group and a project in it; both show their sidebars', async ({ page }, testInfo) => {
  const group = unique('grp');
  const project = unique('app');
  await signIn(page, 'root', ROOT_PASSWORD);
  await createGroup(page, group);
  const groupNav = page.getByRole('navigation', { name: 'Group' });
  await expect(groupNav.getByRole('link', { name: 'Members' })).toHaveAttribute('href', `/groups/${group}/-/group_members`);
  await expect(groupNav.getByRole('link', { name: 'Container Registry' })).toHaveAttribute('href', `/groups/${group}/-/container_registries`);
  await shot(page, testInfo, 'group');

  await createProject(page, group, project);
  const nav = page.getByRole('navigation', { name: 'Project' });
  await expect(nav.getByRole('link', { name: 'Container Registry' })).toHaveAttribute('href', `/${group}/${project}/container_registry`);
  await expect(nav.getByRole('link', { name: 'Repository' })).toBeVisible();
  await expect(page.getByTestId('image-path')).toHaveValue(new RegExp(`/${group}/${project}$`));
  await shot(page, testInfo, 'project');

  await goto(page, '/dashboard');
  await expect(page.getByTestId('my-projects').getByRole('link', { name: `Project ${project}` })).toBeVisible();
  await expect(page.getByTestId('my-groups').getByRole('link', { name: `Group ${group}` })).toBeVisible();

  // The group page lists it, and a subgroup can be made under the group.
  await goto(page, `/groups/${group}`);
  await expect(page.getByTestId('group-projects').getByRole('link', { name: `Project ${project}` })).toBeVisible();
  const sub = unique('sub');
  await goto(page, '/groups/new');
  await page.getByLabel('Group name').fill(`Group ${sub}`);
  await page.getByLabel('Group URL (path)').fill(sub);
  await page.getByLabel('Parent group').selectOption({ label: group });
  await page.getByRole('button', { name: 'Create group' }).click();
  await expect(page).toHaveURL(new RegExp(`/groups/${group}/${sub}$`));
});

test('admin creates a user, who is added to a project, promoted, and removed', async ({ page }, testInfo) => {
  const group = unique('team');
  const project = unique('svc');
  const user = unique('dev');
  await signIn(page, 'root', ROOT_PASSWORD);
  await createUser(page, user, 'password-123');
  await shot(page, testInfo, 'admin-users');
  await createGroup(page, group);
  await createProject(page, group, project);

  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Members' }).click();
  await expect(page).toHaveURL(new RegExp(`/${group}/${project}/-/project_members$`));
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Developer' });
  await page.getByRole('button', { name: 'Add member' }).click();
  const row = page.getByTestId(`member-${user}`);
  await expect(row.getByTestId('member-role')).toHaveText('Developer');

  // Adding an unknown user fails with the reason.
  await page.getByLabel('Username').fill(unique('ghost'));
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByRole('alert')).toContainText('there is no user');

  await row.getByLabel(`Role of ${user}`).selectOption({ label: 'Maintainer' });
  await row.getByRole('button', { name: 'Change role' }).click();
  await expect(row.getByTestId('member-role')).toHaveText('Maintainer');
  await shot(page, testInfo, 'project-members');

  await row.getByRole('button', { name: `Remove ${user}` }).click();
  await expect(page.getByTestId(`member-${user}`)).toHaveCount(0);

  // Group members page lists root as Owner of the group it created.
  await goto(page, `/groups/${group}/-/group_members`);
  await expect(page.getByTestId('member-root').getByTestId('member-role')).toHaveText('Owner');
  await shot(page, testInfo, 'group-members');
});

test('a personal access token secret is shown once, then only its name is listed', async ({ page }, testInfo) => {
  const name = unique('ci-token');
  await signIn(page, 'root', ROOT_PASSWORD);
  await goto(page, '/-/user_settings/personal_access_tokens');
  await page.getByLabel('Token name').fill(name);
  await page.getByLabel('Expiration date').fill(inDays(30));
  await page.getByLabel('read_registry').check();
  await page.getByLabel('write_registry').check();
  await page.getByRole('button', { name: 'Create personal access token' }).click();
  const secret = page.getByTestId('new-token-secret');
  await expect(secret).toHaveValue(/^glpat-[A-Za-z0-9]{32}$/);
  const value = await secret.inputValue();
  const row = page.getByTestId(`token-${name}`);
  await expect(row).toContainText('read_registry, write_registry');
  await expect(row).toContainText(inDays(30));
  await shot(page, testInfo, 'personal-access-token-created');

  await page.reload();
  await expect(page.locator('body')).toHaveAttribute('data-hydrated', 'true');
  await expect(page.getByTestId(`token-${name}`)).toBeVisible();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  expect(await page.content()).not.toContain(value);

  await page.getByRole('button', { name: `Revoke ${name}` }).click();
  await expect(page.getByTestId(`token-${name}`)).toContainText('Revoked');
  await shot(page, testInfo, 'personal-access-tokens');
});

test('a deploy token is created in the project settings, its secret shown once', async ({ page }, testInfo) => {
  const group = unique('ops');
  const project = unique('web');
  const name = unique('deployer');
  await signIn(page, 'root', ROOT_PASSWORD);
  await createGroup(page, group);
  await createProject(page, group, project);
  await page.getByRole('navigation', { name: 'Project' }).getByRole('link', { name: 'Repository' }).click();
  await expect(page).toHaveURL(new RegExp(`/${group}/${project}/-/settings/repository$`));
  await page.getByLabel('Name', { exact: true }).fill(name);
  await page.getByLabel('Username (optional)').fill(`${name}-bot`);
  await page.getByLabel('read_registry').check();
  await page.getByRole('button', { name: 'Create deploy token' }).click();
  await expect(page.getByTestId('new-token-secret')).toHaveValue(/^gldt-/);
  await expect(page.getByTestId('new-token-username')).toHaveText(`${name}-bot`);
  await expect(page.getByTestId(`token-${name}`)).toContainText('read_registry');
  await shot(page, testInfo, 'deploy-token-created');

  await page.reload();
  await expect(page.getByTestId('new-token')).toHaveCount(0);
  await expect(page.getByTestId(`token-${name}`)).toContainText(`${name}-bot`);
});

test('after signing out, a non-member sees the 404 page for a private project and the admin area', async ({ page }, testInfo) => {
  const group = unique('secret');
  const project = unique('vault');
  const user = unique('outsider');
  await signIn(page, 'root', ROOT_PASSWORD);
  await createUser(page, user, 'password-456');
  await createGroup(page, group);
  await createProject(page, group, project);
  await signOut(page);

  // Anonymous: not found either.
  const anonymous = await page.goto(`/${group}/${project}`);
  expect(anonymous?.status()).toBe(404);

  await signIn(page, user, 'password-456');
  for (const url of [`/${group}/${project}`, `/${group}/${project}/-/project_members`, `/groups/${group}`, '/admin/users']) {
    const response = await page.goto(url);
    expect(response?.status(), url).toBe(404);
    await expect(page.getByRole('heading', { name: '404: Page not found' })).toBeVisible();
  }
  await shot(page, testInfo, 'private-project-not-found');
  await expect(page.getByTestId('current-user')).toHaveText(user);
  await expect(page.getByRole('link', { name: 'Admin' })).toHaveCount(0);
});

test('a blocked user cannot sign in', async ({ page }, testInfo) => {
  const user = unique('blocked');
  await signIn(page, 'root', ROOT_PASSWORD);
  await createUser(page, user, 'password-789');
  const row = page.getByTestId(`user-${user}`);
  await row.getByRole('button', { name: 'Block' }).click();
  await expect(row.getByTestId('user-status')).toHaveText('Blocked');
  await signOut(page);

  await goto(page, '/users/sign_in');
  await page.getByLabel('Username').fill(user);
  await page.getByLabel('Password').fill('password-789');
  await page.getByRole('button', { name: 'Sign in' }).click();
  await expect(page.getByRole('alert')).toContainText('blocked');
  await shot(page, testInfo, 'blocked-sign-in');
});
