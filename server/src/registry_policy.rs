//! Which project a pushed repository belongs to. The token service already grants `push`
//! only under an existing project the pusher may write to; this check runs again inside
//! the engine at push time (a project may have been deleted since the token was issued) and
//! records the project on a newly created repository.

use berth_platform::projects::project_for_repository_path;
use berth_registry::auth::Claims;
use berth_registry::{async_trait, Error, RepositoryPolicy};

pub struct ProjectRepositories {
    pub db: berth_db::Db,
}

#[async_trait]
impl RepositoryPolicy for ProjectRepositories {
    async fn authorize_push(&self, path: &str, _claims: &Claims) -> Result<Option<i64>, Error> {
        match project_for_repository_path(&self.db, path).await {
            Ok(Some(project)) => Ok(Some(project.id)),
            Ok(None) => Err(Error::name_unknown(path)),
            Err(e) => Err(Error::internal(format!("cannot resolve the project of {path}: {e}"))),
        }
    }
}
