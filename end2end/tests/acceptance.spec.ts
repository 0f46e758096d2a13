import { test, expect, type Page } from '@playwright/test';
import { execFileSync } from 'node:child_process';
import { HOST, layout } from './registry_fixture';
import { ROOT_PASSWORD, createUser, goto, signIn, signOut } from './ui_helpers';

// The platform's acceptance scenario, as people do it: an administrator makes a user in the
// UI; that user signs in, makes a project, creates a personal access token in the UI and
// pushes with skopeo; a Reporter of the project can pull but not push; anonymous visitors
// pull only from a public project.
const id = Date.now().toString(36);

async function createToken(page: Page, name: string): Promise<string> {
  await goto(page, '/-/user_settings/personal_access_tokens');
  await page.getByLabel('Token name').fill(name);
  await page.getByLabel('read_registry').check();
  await page.getByLabel('write_registry').check();
  await page.getByRole('button', { name: 'Create personal access token' }).click();
  const secret = page.getByTestId('new-token-secret');
  await expect(secret).toHaveValue(/^glpat-/);
  return secret.inputValue();
}

/// Runs skopeo; returns [exit code, stderr].
function skopeo(args: string[]): [number, string] {
  try {
    execFileSync('skopeo', ['--insecure-policy', ...args], { stdio: ['ignore', 'pipe', 'pipe'], encoding: 'utf8' });
    return [0, ''];
  } catch (e) {
    const err = e as { status: number; stderr: string };
    return [err.status ?? 1, String(err.stderr)];
  }
}

test('a user made in the UI pushes with a PAT; a Reporter pulls but cannot push; anonymous pulls only public', async ({ page }) => {
  test.setTimeout(120_000);
  const owner = `owner-${id}`;
  const reporter = `reporter-${id}`;
  await signIn(page, 'root', ROOT_PASSWORD);
  await createUser(page, owner, 'owner-password-1');
  await createUser(page, reporter, 'reporter-password-1');
  await signOut(page);

  // The owner makes a private project in their own namespace and a token, then pushes.
  await signIn(page, owner, 'owner-password-1');
  await goto(page, '/projects/new');
  await page.getByLabel('Project name').fill('app');
  await page.getByLabel('Namespace').selectOption({ label: `${owner} (personal)` });
  await page.getByLabel('Project slug (path)').fill('app');
  await page.getByLabel('Visibility').selectOption('private');
  await page.getByRole('button', { name: 'Create project' }).click();
  await expect(page).toHaveURL(new RegExp(`/${owner}/app$`));
  const ownerToken = await createToken(page, 'laptop');
  const image = `${HOST}/${owner}/app`;
  const src = `oci:${layout('acceptance')}:tag`;
  const authDir = `/tmp/berth-e2e-auth-${id}`;
  const login = (user: string, secret: string) =>
    skopeo(['login', '--tls-verify=false', '--authfile', `${authDir}-${user}.json`, '-u', user, '-p', secret, HOST]);
  expect(login(owner, ownerToken)[0]).toBe(0);
  const [pushed, pushErr] = skopeo(['copy', '--dest-tls-verify=false', '--authfile', `${authDir}-${owner}.json`, src, `docker://${image}:v1`]);
  expect(pushed, pushErr).toBe(0);

  // Added as Reporter in the UI.
  await goto(page, `/${owner}/app/-/project_members`);
  await page.getByLabel('Username').fill(reporter);
  await page.getByLabel('Role', { exact: true }).selectOption({ label: 'Reporter' });
  await page.getByRole('button', { name: 'Add member' }).click();
  await expect(page.getByTestId(`member-${reporter}`).getByTestId('member-role')).toHaveText('Reporter');
  await signOut(page);

  await signIn(page, reporter, 'reporter-password-1');
  const reporterToken = await createToken(page, 'ci');
  expect(login(reporter, reporterToken)[0]).toBe(0);
  const dir = `/tmp/berth-e2e-pull-${id}`;
  const [pulled, pullErr] = skopeo(['copy', '--src-tls-verify=false', '--authfile', `${authDir}-${reporter}.json`, `docker://${image}:v1`, `oci:${dir}:v1`]);
  expect(pulled, pullErr).toBe(0);
  const [refused, refusedErr] = skopeo(['copy', '--dest-tls-verify=false', '--authfile', `${authDir}-${reporter}.json`, src, `docker://${image}:v2`]);
  expect(refused).not.toBe(0);
  expect(refusedErr).toMatch(/denied|unauthorized|insufficient/i);

  // Anonymous: nothing from the private project; a pull once the project is public.
  const anonymous = () => skopeo(['inspect', '--tls-verify=false', '--no-creds', `docker://${image}:v1`]);
  expect(anonymous()[0]).not.toBe(0);
  await signOut(page);
  await signIn(page, owner, 'owner-password-1');
  await goto(page, `/${owner}/app/-/settings/general`);
  await page.getByLabel('Project visibility').selectOption('public');
  await page.getByRole('button', { name: 'Save changes' }).click();
  await expect(page.getByTestId('settings-saved')).toBeVisible();
  const [anonOk, anonErr] = anonymous();
  expect(anonOk, anonErr).toBe(0);
});
