//! `GET /api/v4/openapi.json`: generated from the handlers' `#[utoipa::path]` annotations and
//! the response types' `ToSchema` derives.

use axum::Json;
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

use crate::{cleanup_preview, lifecycle, members, policy, projects, registry_api, users};

#[derive(OpenApi)]
#[openapi(
    info(title = "Berth REST API", description = "GitLab-compatible `/api/v4/` of Berth, a self-hosted container registry."),
    servers((url = "/api/v4")),
    paths(
        registry_api::list_project_repositories,
        registry_api::list_group_repositories,
        registry_api::get_repository,
        registry_api::delete_repository,
        registry_api::list_tags,
        registry_api::get_tag,
        registry_api::delete_tag,
        registry_api::bulk_delete_tags,
        cleanup_preview::preview,
        cleanup_preview::preview_posted,
        projects::list_projects,
        projects::get_project,
        projects::create_project_handler,
        projects::update_project,
        projects::list_groups,
        projects::get_group,
        projects::create_group_handler,
        lifecycle::transfer_project_handler,
        lifecycle::delete_project_handler,
        lifecycle::update_group_handler,
        lifecycle::transfer_group_handler,
        lifecycle::delete_group_handler,
        members::list,
        members::get,
        members::add,
        members::update,
        members::remove,
        users::current_user,
        users::list_users,
        users::get_user,
        users::create_user_handler,
        users::create_pat,
        users::list_pats,
        users::revoke_pat,
        users::list_deploy,
        users::create_deploy,
        users::revoke_deploy,
    ),
    components(schemas(
        registry_api::RepositoryJson,
        registry_api::TagJson,
        registry_api::TagDetailsJson,
        cleanup_preview::CleanupPreviewJson,
        projects::ProjectJson,
        projects::NamespaceJson,
        projects::GroupJson,
        policy::ExpirationPolicyJson,
        members::MemberJson,
        users::UserJson,
        users::PersonalAccessTokenJson,
        users::DeployTokenJson,
    )),
    modifiers(&Security),
    security(("private_token" = []), ("bearer" = []), ("job_token" = []))
)]
pub struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("private_token", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("PRIVATE-TOKEN"))));
        components.add_security_scheme("job_token", SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::new("JOB-TOKEN"))));
        components.add_security_scheme("bearer", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

pub async fn serve() -> Json<utoipa::openapi::OpenApi> {
    Json(document())
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_document_lists_the_registry_endpoints() {
        let doc = serde_json::to_value(super::document()).unwrap();
        let paths = doc["paths"].as_object().unwrap();
        assert!(paths.contains_key("/projects/{id}/registry/repositories/{repository_id}/tags/{tag_name}"));
        assert!(doc["components"]["schemas"]["TagDetailsJson"]["properties"]["short_revision"].is_object());
        assert!(paths["/projects/{id}/transfer"]["put"].is_object());
        assert!(paths["/projects/{id}"]["delete"].is_object());
        assert!(paths["/groups/{id}"]["put"].is_object() && paths["/groups/{id}"]["delete"].is_object());
        assert!(paths["/groups/{id}/transfer"]["post"].is_object());
    }
}
