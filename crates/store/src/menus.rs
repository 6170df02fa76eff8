//! Site menus (点单菜单): the routine projects of verified organizations
//! whose service area covers a site (`site::may_stand_on_menu` decides),
//! and the items a site's managers add and take off.

use crate::activities::require_category;
use crate::sql::{query, query_as, query_scalar};
use crate::{Result, Store, StoreError, audit_entry};
use serde::Serialize;
use zhiyuan_domain::site::may_stand_on_menu;

/// One entry of a site's menu: a routine project of a verified
/// organization serving the site, or an item the site added.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct MenuEntry {
    pub project_id: Option<i64>,
    pub menu_item_id: Option<i64>,
    pub title: String,
    pub category: String,
    pub description: String,
    pub organization_id: Option<i64>,
    pub organization_name: Option<String>,
}

impl Store {
    /// A site's menu: routine projects marked for menus of verified
    /// organizations whose area covers the site's region, then the items
    /// the site added.
    pub async fn site_menu(&self, site_id: i64) -> Result<Vec<MenuEntry>> {
        let site = self.site(site_id).await?.ok_or(StoreError::NotFound("site"))?;
        let codes: Vec<&str> = site.region_path.split('/').collect();
        let marks: Vec<String> = (0..codes.len()).map(|i| format!("${}", i + 1)).collect();
        let sql = format!(
            "SELECT p.id, p.title, p.category, p.description, p.on_menu, p.area_path, o.id, o.name, o.verified_at \
             FROM projects p JOIN organizations o ON o.id = p.organization_id WHERE p.area_code IN ({}) ORDER BY p.id",
            marks.join(", ")
        );
        let mut conn = self.reader().await?;
        let mut statement =
            query_as::<(i64, String, String, String, bool, String, i64, String, Option<i64>)>(sqlx::AssertSqlSafe(sql));
        for code in &codes {
            statement = statement.bind(*code);
        }
        let projects = statement.fetch_all(&mut conn).await?;
        let mut menu: Vec<MenuEntry> = projects
            .into_iter()
            .filter(|p| may_stand_on_menu(p.4, p.8.is_some(), &p.5, &site.region_path))
            .map(
                |(id, title, category, description, _, _, org_id, org_name, _)| MenuEntry {
                    project_id: Some(id),
                    menu_item_id: None,
                    title,
                    category,
                    description,
                    organization_id: Some(org_id),
                    organization_name: Some(org_name),
                },
            )
            .collect();
        let items: Vec<(i64, String, String, String)> = query_as(
            "SELECT id, title, category, description FROM menu_items WHERE site_id = $1 AND removed_at IS NULL ORDER BY id",
        )
        .bind(site_id)
        .fetch_all(&mut conn)
        .await?;
        menu.extend(items.into_iter().map(|(id, title, category, description)| MenuEntry {
            project_id: None,
            menu_item_id: Some(id),
            title,
            category,
            description,
            organization_id: None,
            organization_name: None,
        }));
        Ok(menu)
    }

    /// Adds an item to a site's menu; yields its id.
    pub async fn add_menu_item(
        &self,
        site_id: i64,
        title: &str,
        category: &str,
        description: &str,
        by_user: i64,
        now: i64,
    ) -> Result<i64> {
        let mut tx = self.transaction().await?;
        require_category(&mut tx, category).await?;
        let id: i64 = query_scalar(
            "INSERT INTO menu_items (site_id, title, category, description, added_by, added_at) \
             VALUES ($1, $2, $3, $4, $5, $6) RETURNING id",
        )
        .bind(site_id)
        .bind(title)
        .bind(category)
        .bind(description)
        .bind(by_user)
        .bind(now)
        .fetch_one(&mut tx)
        .await?;
        audit_entry(
            &mut tx,
            now,
            Some(by_user),
            "menu.add",
            "site",
            site_id.to_string(),
            title,
        )
        .await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Takes an item off a site's menu (orders that named it keep it).
    pub async fn remove_menu_item(&self, site_id: i64, item_id: i64, by_user: i64, now: i64) -> Result<()> {
        let mut tx = self.transaction().await?;
        let removed =
            query("UPDATE menu_items SET removed_at = $1 WHERE id = $2 AND site_id = $3 AND removed_at IS NULL")
                .bind(now)
                .bind(item_id)
                .bind(site_id)
                .execute(&mut tx)
                .await?;
        if removed.rows_affected() == 0 {
            return Err(StoreError::NotFound("menu item"));
        }
        audit_entry(
            &mut tx,
            now,
            Some(by_user),
            "menu.remove",
            "site",
            site_id.to_string(),
            item_id.to_string(),
        )
        .await?;
        tx.commit().await
    }
}
