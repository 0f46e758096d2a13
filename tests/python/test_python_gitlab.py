"""A whole container-registry scenario driven through python-gitlab's own objects against a
real Berth (started by run.sh): group, project, user, member, token; pushes with skopeo
(logged in with the user's token); repositories and tags; tag details compared with what
skopeo reports; deleting a tag; bulk deletion with keep_n; the registry access level through
project.save(); deleting a repository; rename and transfer refused while tags exist.

Environment: BERTH_URL (http://127.0.0.1:<port>), BERTH_ROOT_TOKEN (a root token with the
api scope), BERTH_PY_WORK (a scratch directory).
"""

import gzip
import hashlib
import io
import json
import os
import pathlib
import subprocess
import tarfile
import time

import gitlab
import pytest

URL = os.environ["BERTH_URL"].rstrip("/")
HOST = URL.split("://", 1)[1]
ROOT_TOKEN = os.environ["BERTH_ROOT_TOKEN"]
WORK = pathlib.Path(os.environ["BERTH_PY_WORK"])

OCI_MANIFEST = "application/vnd.oci.image.manifest.v1+json"
OCI_CONFIG = "application/vnd.oci.image.config.v1+json"
OCI_LAYER = "application/vnd.oci.image.layer.v1.tar+gzip"


def digest(data: bytes) -> str:
    return "sha256:" + hashlib.sha256(data).hexdigest()


def build_layout(directory: pathlib.Path, tag: str) -> dict:
    """An OCI image layout with one small image tagged `tag`; its sizes for comparisons."""
    payload = f"hello from {tag}\n".encode()
    tar_bytes = io.BytesIO()
    with tarfile.open(fileobj=tar_bytes, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        info = tarfile.TarInfo(f"{tag}.txt")
        info.size = len(payload)
        info.mtime = 0
        tar.addfile(info, io.BytesIO(payload))
    layer_tar = tar_bytes.getvalue()
    layer = gzip.compress(layer_tar, mtime=0)
    config = json.dumps({
        "architecture": "amd64",
        "os": "linux",
        "config": {"Labels": {"tag": tag}},
        "rootfs": {"type": "layers", "diff_ids": [digest(layer_tar)]},
    }).encode()
    manifest = json.dumps({
        "schemaVersion": 2,
        "mediaType": OCI_MANIFEST,
        "config": {"mediaType": OCI_CONFIG, "digest": digest(config), "size": len(config)},
        "layers": [{"mediaType": OCI_LAYER, "digest": digest(layer), "size": len(layer)}],
    }).encode()
    blobs = directory / "blobs" / "sha256"
    blobs.mkdir(parents=True, exist_ok=True)
    for blob in (layer, config, manifest):
        (blobs / digest(blob).split(":", 1)[1]).write_bytes(blob)
    (directory / "oci-layout").write_text('{"imageLayoutVersion":"1.0.0"}')
    (directory / "index.json").write_text(json.dumps({
        "schemaVersion": 2,
        "manifests": [{
            "mediaType": OCI_MANIFEST, "digest": digest(manifest), "size": len(manifest),
            "annotations": {"org.opencontainers.image.ref.name": tag},
        }],
    }))
    return {"config_size": len(config), "layer_size": len(layer)}


class Skopeo:
    """skopeo with a private HOME, auth file, signature policy and registries.conf."""

    def __init__(self, root: pathlib.Path):
        self.root = root
        root.mkdir(parents=True, exist_ok=True)
        self.authfile = root / "auth.json"
        self.policy = root / "policy.json"
        self.policy.write_text('{"default":[{"type":"insecureAcceptAnything"}]}')
        registries = root / "registries.conf"
        registries.write_text(f'[[registry]]\nlocation = "{HOST}"\ninsecure = true\n')
        self.env = dict(os.environ, HOME=str(root), CONTAINERS_REGISTRIES_CONF=str(registries),
                        REGISTRY_AUTH_FILE=str(self.authfile))

    def run(self, *args: str) -> str:
        policy = ["--policy", str(self.policy)]
        done = subprocess.run(["skopeo", *policy, *args], env=self.env, capture_output=True, text=True, timeout=120)
        assert done.returncode == 0, f"skopeo {' '.join(args)} failed: {done.stderr}"
        return done.stdout

    def login(self, username: str, token: str) -> None:
        out = self.run("login", "--tls-verify=false", "--authfile", str(self.authfile), "-u", username, "-p", token, HOST)
        assert "Login Succeeded" in out

    def push(self, path: str, tag: str) -> dict:
        layout = WORK / "layouts" / path.replace("/", "_") / tag
        sizes = build_layout(layout, tag)
        self.run("copy", "--dest-tls-verify=false", "--authfile", str(self.authfile),
                 f"oci:{layout}:{tag}", f"docker://{HOST}/{path}:{tag}")
        return sizes

    def inspect_raw(self, path: str, tag: str) -> bytes:
        done = subprocess.run(
            ["skopeo", "--policy", str(self.policy), "inspect", "--raw", "--tls-verify=false",
             "--authfile", str(self.authfile), f"docker://{HOST}/{path}:{tag}"],
            env=self.env, capture_output=True, timeout=120)
        assert done.returncode == 0, done.stderr.decode()
        return done.stdout


def wait_for(what, check, timeout=30.0):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.25)
    raise AssertionError(f"timed out waiting until {what}")


@pytest.fixture(scope="module")
def root() -> gitlab.Gitlab:
    gl = gitlab.Gitlab(URL, private_token=ROOT_TOKEN)
    gl.auth()
    assert gl.user.username == "root"
    return gl


def test_whole_registry_scenario(root: gitlab.Gitlab):
    # Set up: a group, a project, a user with a token, made Developer... then Maintainer.
    group = root.groups.create({"name": "Py Group", "path": "pygroup", "visibility": "private"})
    project = root.projects.create({"name": "App", "path": "app", "namespace_id": group.id, "visibility": "private"})
    assert project.path_with_namespace == "pygroup/app"
    assert project.container_registry_access_level == "enabled"
    user = root.users.create({"username": "pyuser", "name": "Py User", "email": "pyuser@example.com",
                              "password": "py-password-123"})
    token = user.personal_access_tokens.create({"name": "skopeo", "scopes": ["api"]})
    assert token.token.startswith("glpat-")
    member = project.members.create({"user_id": user.id, "access_level": gitlab.const.AccessLevel.DEVELOPER})
    assert member.access_level == 30
    assert [m.username for m in project.members.list()] == ["pyuser"]

    as_user = gitlab.Gitlab(URL, private_token=token.token)
    as_user.auth()
    assert as_user.user.username == "pyuser"
    assert any(t.name == "skopeo" for t in as_user.personal_access_tokens.list())

    # Push with skopeo, logged in with the user's token.
    skopeo = Skopeo(WORK / "skopeo")
    skopeo.login("pyuser", token.token)
    sizes = {}
    for tag in ["v1", "v2", "v3", "latest"]:
        sizes[tag] = skopeo.push("pygroup/app", tag)
        time.sleep(0.01)
    skopeo.push("pygroup/app/worker", "w1")

    # Repositories and tags through python-gitlab's objects, as the user.
    user_project = as_user.projects.get("pygroup/app")
    repositories = user_project.repositories.list(tags=True, tags_count=True)
    assert [r.path for r in repositories] == ["pygroup/app", "pygroup/app/worker"]
    repository = repositories[0]
    assert repository.name == ""
    assert repository.location == f"{HOST}/pygroup/app"
    assert repository.tags_count == 4
    assert sorted(t.name for t in repository.tags.list()) == ["latest", "v1", "v2", "v3"]
    group_repositories = root.groups.get(group.id).registry_repositories.list()
    assert [r.path for r in group_repositories] == ["pygroup/app", "pygroup/app/worker"]

    # Tag details agree with what skopeo reports.
    raw = skopeo.inspect_raw("pygroup/app", "v1")
    manifest = json.loads(raw)
    v1 = repository.tags.get("v1")
    assert v1.digest == digest(raw)
    assert v1.revision == manifest["config"]["digest"].split(":", 1)[1]
    assert v1.short_revision == v1.revision[:9]
    layer_sizes = sum(layer["size"] for layer in manifest["layers"])
    assert v1.total_size == manifest["config"]["size"] + layer_sizes
    assert v1.total_size == sizes["v1"]["config_size"] + sizes["v1"]["layer_size"]
    assert v1.location == f"{HOST}/pygroup/app:v1"
    assert v1.created_at.endswith("Z")

    # Delete one tag (Developer may).
    repository.tags.delete("v3")
    assert sorted(t.name for t in repository.tags.list()) == ["latest", "v1", "v2"]

    # Bulk delete needs Maintainer: refused first, then allowed after a promotion.
    with pytest.raises(gitlab.exceptions.GitlabDeleteError) as refused:
        repository.tags.delete_in_bulk(name_regex_delete=".*", keep_n=1)
    assert refused.value.response_code == 403
    member = project.members.get(user.id)
    member.access_level = gitlab.const.AccessLevel.MAINTAINER
    member.save()
    repository.tags.delete_in_bulk(name_regex_delete=".*", keep_n=1)
    wait_for("the bulk delete kept latest and the newest tag",
             lambda: sorted(t.name for t in repository.tags.list()) == ["latest", "v2"])
    with pytest.raises(gitlab.exceptions.GitlabDeleteError) as again:
        repository.tags.delete_in_bulk(name_regex_delete=".*")
    assert again.value.response_code == 400
    with pytest.raises(gitlab.exceptions.GitlabDeleteError) as bad_regex:
        user_project.repositories.list()[1].tags.delete_in_bulk(name_regex_delete="w(1")
    assert bad_regex.value.response_code == 400
    assert "position" in bad_regex.value.error_message

    # The registry access level through project.save().
    user_project.container_registry_access_level = "private"
    user_project.save()
    assert root.projects.get(project.id).container_registry_access_level == "private"
    user_project.container_expiration_policy_attributes = {"enabled": True, "cadence": "7d", "keep_n": 5,
                                                          "older_than": "14d", "name_regex_keep": "stable"}
    user_project.save()
    policy = root.projects.get(project.id).container_expiration_policy
    assert (policy["enabled"], policy["cadence"], policy["keep_n"], policy["older_than"]) == (True, "7d", 5, "14d")
    assert policy["next_run_at"]

    # A non-member cannot see the project at all.
    outsider = root.users.create({"username": "pyoutsider", "name": "O", "email": "o@example.com",
                                  "password": "py-password-123"})
    outsider_token = outsider.personal_access_tokens.create({"name": "t", "scopes": ["api"]})
    as_outsider = gitlab.Gitlab(URL, private_token=outsider_token.token)
    with pytest.raises(gitlab.exceptions.GitlabGetError) as hidden:
        as_outsider.projects.get("pygroup/app")
    assert hidden.value.response_code == 404

    # Delete a repository and wait until it is gone.
    worker = user_project.repositories.list()[1]
    assert worker.path == "pygroup/app/worker"
    worker.delete()
    wait_for("the repository is gone",
             lambda: [r.path for r in user_project.repositories.list()] == ["pygroup/app"])

    # Deploy tokens, and revoking the user's token.
    deploy = project.deploytokens.create({"name": "ci", "scopes": ["read_registry"]})
    assert deploy.token.startswith("gldt-")
    assert [d.name for d in project.deploytokens.list()] == ["ci"]
    as_user.personal_access_tokens.delete(token.id)
    with pytest.raises(gitlab.exceptions.GitlabAuthenticationError):
        gitlab.Gitlab(URL, private_token=token.token).auth()

    # Renaming and transferring are refused while the registry holds tags, with GitLab's
    # messages (project.transfer() and project.save() with a new path).
    target = root.groups.create({"name": "Py Target", "path": "pytarget", "visibility": "private"})
    with pytest.raises(gitlab.exceptions.GitlabTransferProjectError) as refused_transfer:
        project.transfer(target.id)
    assert refused_transfer.value.response_code == 400
    assert "tags are present in its container registry" in refused_transfer.value.error_message
    renamed = root.projects.get(project.id)
    renamed.path = "renamed"
    with pytest.raises(gitlab.exceptions.GitlabUpdateError) as refused_rename:
        renamed.save()
    assert refused_rename.value.response_code == 400
    assert "Cannot rename project" in refused_rename.value.error_message
