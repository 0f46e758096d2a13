//! The Container Registry pages: a project's and a group's repositories, a repository's
//! tags, and deleting tags and repositories. Every call checks the permission function;
//! what the viewer may not read answers `NotFound`.

use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use super::projects::ProjectNav;
use crate::error::AppError;

/// A list view as the URL describes it (`search[]`, `orderBy`, `sort`, `after`, `before`,
/// and on tag lists `platform` and `older_than`). Unknown values fall back to the defaults.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct ListParams {
    pub search: Option<String>,
    pub order_by: Option<String>,
    pub sort: Option<String>,
    pub after: Option<String>,
    pub before: Option<String>,
    pub platform: Option<String>,
    pub older_than: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepositoryItem {
    pub id: i64,
    /// Full path, what `docker pull` names (without the host).
    pub path: String,
    pub project_path: String,
    pub tags_count: i64,
    pub created_at: i64,
    pub updated_at: i64,
    /// None, `delete_scheduled`, `delete_ongoing`, `delete_failed`.
    pub status: Option<String>,
    pub can_delete: bool,
    /// "Cleanup will run soon", "Cleanup is ongoing", "Partial cleanup complete" or None.
    pub cleanup: Option<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct RepositoryPage {
    pub items: Vec<RepositoryItem>,
    pub total: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    /// The effective sort (after defaults), for the controls.
    pub order_by: String,
    pub sort: String,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct ProjectRegistryData {
    pub nav: ProjectNav,
    /// `host[:port]` images are addressed by.
    pub host: String,
    pub page: RepositoryPage,
    /// Repositories in the project (all pages, no search).
    pub image_count: i64,
    /// The cleanup policy's state: next run, running, partially completed, or off.
    pub cleanup: String,
    pub storage_total: i64,
    /// Biggest repositories: (path, bytes).
    pub biggest: Vec<(String, i64)>,
    /// Server time of the rendering, for relative times that hydrate identically.
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct GroupRegistryData {
    pub full_path: String,
    pub name: String,
    pub host: String,
    pub page: RepositoryPage,
    pub now: i64,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagItem {
    pub name: String,
    pub digest: String,
    pub config_digest: Option<String>,
    pub size: i64,
    pub published_at: i64,
    pub platforms: Vec<String>,
}

#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct TagsPageData {
    pub nav: ProjectNav,
    pub host: String,
    pub repository: RepositoryItem,
    pub tags: Vec<TagItem>,
    pub total: i64,
    pub next: Option<String>,
    pub previous: Option<String>,
    pub order_by: String,
    pub sort: String,
    pub can_delete_tags: bool,
    /// Recent tags by publish time, oldest first: (name, published_at, size).
    pub size_history: Vec<(String, i64, i64)>,
    pub now: i64,
}

#[cfg(feature = "ssr")]
mod ssr {
    use berth_platform::container_registry::listing::repositories::{RepositoryOrder, RepositoryQuery, RepositoryRow};
    use berth_platform::container_registry::listing::tags::{PlatformFilter, TagOrder, TagQuery};
    use berth_platform::container_registry::listing::{PageCursor, SortDirection, PAGE_SIZE};
    use berth_platform::model::RegistryAccessLevel;
    use berth_platform::permissions::Action;

    use super::*;
    use crate::server_fns::ctx::{Ctx, ViewedProject};

    /// The header's line about the cleanup policy.
    pub fn cleanup_line(phase: &berth_platform::container_registry::cleanup::CleanupPhase) -> String {
        use berth_platform::container_registry::cleanup::CleanupPhase as P;
        match phase {
            P::Disabled => "Cleanup is disabled for this project".into(),
            P::Running { .. } => "Cleanup is running".into(),
            P::PartiallyCompleted => "Cleanup partially completed — will continue".into(),
            P::Failed { .. } => "The last cleanup failed; it runs again soon".into(),
            P::Scheduled { next_run_at } => format!("Cleanup will run {}", crate::dates::format_datetime(*next_run_at)),
        }
    }

    pub fn host() -> String {
        use_context::<crate::server_fns::site::SiteContext>().map(|s| s.registry_host).unwrap_or_default()
    }

    fn nonempty(s: &Option<String>) -> Option<&str> {
        s.as_deref().map(str::trim).filter(|s| !s.is_empty())
    }

    pub fn repository_query(p: &ListParams) -> RepositoryQuery {
        let order = nonempty(&p.order_by).and_then(RepositoryOrder::parse).unwrap_or(RepositoryOrder::Updated);
        let default_direction = if order == RepositoryOrder::Name { SortDirection::Asc } else { SortDirection::Desc };
        RepositoryQuery {
            search: nonempty(&p.search).map(str::to_string),
            order,
            direction: nonempty(&p.sort).and_then(SortDirection::parse).unwrap_or(default_direction),
            cursor: PageCursor::from_params(p.after.as_deref(), p.before.as_deref()),
            limit: PAGE_SIZE,
        }
    }

    pub fn tag_query(p: &ListParams, now: i64) -> TagQuery {
        let order = nonempty(&p.order_by).and_then(TagOrder::parse).unwrap_or(TagOrder::PublishedAt);
        let default_direction = if order == TagOrder::Name { SortDirection::Asc } else { SortDirection::Desc };
        let days = match nonempty(&p.older_than) {
            Some("7d") => Some(7),
            Some("14d") => Some(14),
            Some("30d") => Some(30),
            Some("90d") => Some(90),
            _ => None,
        };
        TagQuery {
            search: nonempty(&p.search).map(str::to_string),
            order,
            direction: nonempty(&p.sort).and_then(SortDirection::parse).unwrap_or(default_direction),
            cursor: PageCursor::from_params(p.after.as_deref(), p.before.as_deref()),
            limit: PAGE_SIZE,
            platforms: match nonempty(&p.platform) {
                Some("multi") => PlatformFilter::MultiPlatform,
                Some("single") => PlatformFilter::SinglePlatform,
                _ => PlatformFilter::Any,
            },
            published_before: days.map(|d: i64| now - d * 86_400_000),
        }
    }

    pub fn item(row: RepositoryRow, project_path: &str, can_delete: bool) -> RepositoryItem {
        RepositoryItem {
            id: row.id,
            path: row.path,
            project_path: project_path.to_string(),
            tags_count: row.tags_count,
            created_at: row.created_at,
            updated_at: row.updated_at,
            status: row.status,
            can_delete,
            cleanup: None,
        }
    }

    /// The project if the viewer may read its registry and the registry is on; else NotFound.
    pub async fn registry_project(cx: &Ctx, path: &str) -> Result<ViewedProject, AppError> {
        let viewed = cx.project(path).await?;
        if viewed.project.registry_access == RegistryAccessLevel::Disabled || !viewed.can(Action::ReadRegistry) {
            return Err(AppError::NotFound);
        }
        Ok(viewed)
    }

    pub async fn repository_of(cx: &Ctx, viewed: &ViewedProject, repository_id: i64) -> Result<RepositoryRow, AppError> {
        berth_platform::container_registry::listing::repositories::find_repository(cx.db(), viewed.project.id, repository_id)
            .await?
            .ok_or(AppError::NotFound)
    }
}

#[server(prefix = "/-/fn", endpoint = "project_registry")]
pub async fn project_registry(path: String, #[server(default)] params: ListParams) -> Result<ProjectRegistryData, AppError> {
    use berth_platform::container_registry::cleanup::{project_cleanup_state, repository_cleanup_statuses, CleanupStatus};
    use berth_platform::container_registry::listing::repositories::{list_repositories, RepositoryQuery};
    use berth_platform::container_registry::listing::storage::project_storage;
    use berth_platform::permissions::Action;
    use ssr::cleanup_line;

    let cx = super::ctx::ctx().await?;
    let viewed = ssr::registry_project(&cx, &path).await?;
    let query = ssr::repository_query(&params);
    let ids = [viewed.project.id];
    let page = list_repositories(cx.db(), &ids, &query).await?;
    let image_count = if query.search.is_none() {
        page.total
    } else {
        list_repositories(cx.db(), &ids, &RepositoryQuery { limit: 1, ..RepositoryQuery::default() }).await?.total
    };
    let storage = project_storage(cx.db(), viewed.project.id, 5).await?;
    let cleanup = cleanup_line(&project_cleanup_state(cx.db(), viewed.project.id).await?.phase());
    let statuses: std::collections::HashMap<i64, CleanupStatus> =
        repository_cleanup_statuses(cx.db(), &viewed.project.full_path).await?.into_iter().map(|r| (r.repository_id, r.status)).collect();
    let can_delete = viewed.can(Action::DeleteRepository);
    let full_path = viewed.project.full_path.clone();
    Ok(ProjectRegistryData {
        nav: super::projects::nav_of(&viewed),
        host: ssr::host(),
        page: RepositoryPage {
            items: page
                .items
                .into_iter()
                .map(|r| {
                    let status = statuses.get(&r.id).copied();
                    let mut item = ssr::item(r, &full_path, can_delete);
                    item.cleanup = match status {
                        Some(CleanupStatus::Scheduled) => Some("Cleanup will run soon".into()),
                        Some(CleanupStatus::Ongoing) => Some("Cleanup is ongoing".into()),
                        Some(CleanupStatus::Unfinished) => Some("Partial cleanup complete".into()),
                        _ => None,
                    };
                    item
                })
                .collect(),
            total: page.total,
            next: page.next,
            previous: page.previous,
            order_by: query.order.as_str().to_string(),
            sort: query.direction.as_str().to_string(),
        },
        image_count,
        cleanup,
        storage_total: storage.total_bytes,
        biggest: storage.biggest.into_iter().map(|r| (r.path, r.bytes)).collect(),
        now: berth_db::now_millis(),
    })
}

#[server(prefix = "/-/fn", endpoint = "group_registry")]
pub async fn group_registry(path: String, #[server(default)] params: ListParams) -> Result<GroupRegistryData, AppError> {
    use std::collections::HashMap;

    use berth_platform::container_registry::group_projects::projects_below;
    use berth_platform::container_registry::listing::repositories::list_repositories;
    use berth_platform::model::RegistryAccessLevel;
    use berth_platform::permissions::{can, Action};
    use berth_platform::projects::project_access;

    let cx = super::ctx::ctx().await?;
    let (group, _role) = cx.group(&path).await?;
    // Only projects whose registry the viewer may read; the deletion right per project.
    let mut visible: HashMap<i64, (String, bool)> = HashMap::new();
    for project in projects_below(cx.db(), &group.full_path).await? {
        if project.registry_access == RegistryAccessLevel::Disabled {
            continue;
        }
        let role = match &cx.user {
            Some(u) => berth_platform::members::effective_project_role(cx.db(), project.id, u.id).await?,
            None => None,
        };
        let actor = cx.actor(role);
        let access = project_access(&project);
        if can(&actor, Action::ReadRegistry, &access) {
            visible.insert(project.id, (project.full_path.clone(), can(&actor, Action::DeleteRepository, &access)));
        }
    }
    let ids: Vec<i64> = visible.keys().copied().collect();
    let query = ssr::repository_query(&params);
    let page = list_repositories(cx.db(), &ids, &query).await?;
    let items = page
        .items
        .into_iter()
        .map(|r| {
            let (project_path, can_delete) = r.project_id.and_then(|id| visible.get(&id).cloned()).unwrap_or_default();
            ssr::item(r, &project_path, can_delete)
        })
        .collect();
    Ok(GroupRegistryData {
        full_path: group.full_path.clone(),
        name: group.name.clone(),
        host: ssr::host(),
        page: RepositoryPage {
            items,
            total: page.total,
            next: page.next,
            previous: page.previous,
            order_by: query.order.as_str().to_string(),
            sort: query.direction.as_str().to_string(),
        },
        now: berth_db::now_millis(),
    })
}

#[server(prefix = "/-/fn", endpoint = "repository_tags")]
pub async fn repository_tags(path: String, repository_id: i64, #[server(default)] params: ListParams) -> Result<TagsPageData, AppError> {
    use berth_platform::container_registry::listing::tags::{list_tags, recent_tag_sizes, tag_count};
    use berth_platform::permissions::Action;

    let cx = super::ctx::ctx().await?;
    let viewed = ssr::registry_project(&cx, &path).await?;
    let row = ssr::repository_of(&cx, &viewed, repository_id).await?;
    let now = berth_db::now_millis();
    let query = ssr::tag_query(&params, now);
    let page = list_tags(cx.db(), row.id, &query).await?;
    let filtered = params.search.is_some() || params.platform.is_some() || params.older_than.is_some();
    let all_tags = if filtered { tag_count(cx.db(), row.id).await? } else { page.total };
    let size_history = recent_tag_sizes(cx.db(), row.id, 40).await?;
    let can_delete_repository = viewed.can(Action::DeleteRepository);
    let mut row = row;
    row.tags_count = all_tags;
    Ok(TagsPageData {
        nav: super::projects::nav_of(&viewed),
        host: ssr::host(),
        repository: ssr::item(row, &viewed.project.full_path, can_delete_repository),
        tags: page
            .items
            .into_iter()
            .map(|t| TagItem {
                name: t.name,
                digest: t.digest,
                config_digest: t.config_digest,
                size: t.size,
                published_at: t.published_at,
                platforms: t.platforms,
            })
            .collect(),
        total: page.total,
        next: page.next,
        previous: page.previous,
        order_by: query.order.as_str().to_string(),
        sort: query.direction.as_str().to_string(),
        can_delete_tags: viewed.can(Action::DeleteTag),
        size_history,
        now,
    })
}

/// Deletes tags at once. `names`: one tag name per line. Answers how many went.
#[server(prefix = "/-/fn", endpoint = "delete_tags")]
pub async fn delete_tags(path: String, repository_id: i64, names: String) -> Result<usize, AppError> {
    use berth_platform::container_registry::tag_deletion::{delete_tags, TargetRepository};

    let cx = super::ctx::ctx().await?;
    let viewed = ssr::registry_project(&cx, &path).await?;
    let row = ssr::repository_of(&cx, &viewed, repository_id).await?;
    let names: Vec<&str> = names.lines().map(str::trim).filter(|n| !n.is_empty()).collect();
    if names.is_empty() {
        return Err(AppError::Invalid("select at least one tag".into()));
    }
    let deleted = delete_tags(
        &cx.server.registry,
        &viewed.actor,
        &viewed.project,
        TargetRepository { path: &row.path, status: row.status.as_deref() },
        &names,
    )
    .await?;
    if let Some((name, e)) = deleted.failed {
        tracing::error!(error = %e, repository = %row.path, tag = name, "tag deletion failed");
        return Err(AppError::Invalid(format!("{} tags deleted, then deleting {name} failed; please try again", deleted.count)));
    }
    Ok(deleted.count)
}

/// Schedules a repository's deletion; `confirm` must repeat its path.
#[server(prefix = "/-/fn", endpoint = "delete_repository")]
pub async fn delete_repository(path: String, repository_id: i64, confirm: String) -> Result<(), AppError> {
    use berth_platform::container_registry::deletion;
    use berth_platform::permissions::Action;

    let cx = super::ctx::ctx().await?;
    let viewed = ssr::registry_project(&cx, &path).await?;
    viewed.require(Action::DeleteRepository)?;
    let row = ssr::repository_of(&cx, &viewed, repository_id).await?;
    if confirm.trim() != row.path {
        return Err(AppError::Invalid(format!("type {} to confirm", row.path)));
    }
    deletion::schedule(cx.db(), row.id).await?;
    berth_platform::background::start_deletion_work(cx.server.db.clone(), cx.server.registry.clone());
    Ok(())
}
