//! The reads that every page and list repeats, kept once per process: the
//! category list, region names and organization names, and the listings
//! of published activities. Names do not change while a server runs
//! (categories come with the migrations, regions only from `zhiyuan import
//! regions`, an organization's name is fixed at registration), so a name is
//! served for ten minutes, and only names that exist are kept, so made-up
//! codes cannot fill the cache. A listing is served for two seconds, and
//! every change of an activity or a sign-up made through this process
//! retires all listings at once; a change made by another process shows
//! within those two seconds (seats left are indicative there: a sign-up
//! itself always counts them in the database). Only pages of up to 50
//! activities are kept, at most 128 of them. A full cache drops its least
//! recently used entry. The ordering loop's deadlines (settings, changed
//! with `zhiyuan setting` by another process) are read once a minute.

use crate::error::ApiResult;
use std::sync::Arc;
use std::time::Duration;
use zhiyuan_domain::order_deadline::Deadlines;
use zhiyuan_store::activities::{Activity, ActivityQuery, Category};
use zhiyuan_store::cache::RecentReads;
use zhiyuan_store::{Page, Store};

/// How long a shared read is served without another look at the database:
/// bounds how late a region list imported by another process is seen.
const SHARED_READ_TTL: Duration = Duration::from_secs(600);
/// Names kept per kind: a province has 24,000 regions and 71,000 organizations.
const SHARED_READ_MAX: usize = 100_000;
/// How long a listing of published activities is served from memory.
const LISTING_TTL: Duration = Duration::from_secs(2);
/// Listings kept: with at most [`CACHED_LISTING_MAX_ROWS`] activities of at
/// most a few KB each (the description is the long part), the cache stays
/// under about 40 MB however many different listings are asked for.
const LISTINGS_MAX: usize = 128;
/// Larger pages (up to 200 rows) are read from the database every time.
const CACHED_LISTING_MAX_ROWS: i64 = 50;
/// How long the ordering loop's deadlines are served from memory.
const DEADLINES_TTL: Duration = Duration::from_secs(60);

pub struct SharedReads {
    categories: RecentReads<(), Arc<[Category]>>,
    region_names: RecentReads<String, Arc<str>>,
    organization_names: RecentReads<i64, Arc<str>>,
    listings: RecentReads<ActivityQuery, Arc<Page<Activity>>>,
    deadlines: RecentReads<(), Deadlines>,
}

impl Default for SharedReads {
    fn default() -> Self {
        Self {
            categories: RecentReads::new(SHARED_READ_TTL, 1),
            region_names: RecentReads::new(SHARED_READ_TTL, SHARED_READ_MAX),
            organization_names: RecentReads::new(SHARED_READ_TTL, SHARED_READ_MAX),
            listings: RecentReads::new(LISTING_TTL, LISTINGS_MAX),
            deadlines: RecentReads::new(DEADLINES_TTL, 1),
        }
    }
}

impl SharedReads {
    /// The categories of projects and activities, in their order.
    pub async fn categories(&self, store: &Store) -> ApiResult<Arc<[Category]>> {
        if let Some(categories) = self.categories.get(&()) {
            return Ok(categories);
        }
        let generation = self.categories.generation();
        let categories: Arc<[Category]> = store.categories().await?.into();
        self.categories.put((), generation, categories.clone());
        Ok(categories)
    }

    /// The name of region `code`, if there is such a region.
    pub async fn region_name(&self, store: &Store, code: &str) -> ApiResult<Option<Arc<str>>> {
        if let Some(name) = self.region_names.get(code) {
            return Ok(Some(name));
        }
        let generation = self.region_names.generation();
        let Some(region) = store.region(code).await? else {
            return Ok(None);
        };
        let name: Arc<str> = region.name.into();
        self.region_names.put(code.to_string(), generation, name.clone());
        Ok(Some(name))
    }

    /// The name of organization `id`, if there is such an organization.
    pub async fn organization_name(&self, store: &Store, id: i64) -> ApiResult<Option<Arc<str>>> {
        if let Some(name) = self.organization_names.get(&id) {
            return Ok(Some(name));
        }
        let generation = self.organization_names.generation();
        let Some(organization) = store.organization(id).await? else {
            return Ok(None);
        };
        let name: Arc<str> = organization.name.into();
        self.organization_names.put(id, generation, name.clone());
        Ok(Some(name))
    }

    /// A page of the activity listing `query` asks for.
    pub async fn activity_listing(&self, store: &Store, query: &ActivityQuery) -> ApiResult<Arc<Page<Activity>>> {
        if query.limit > CACHED_LISTING_MAX_ROWS {
            return Ok(Arc::new(store.list_activities(query).await?));
        }
        if let Some(page) = self.listings.get(query) {
            return Ok(page);
        }
        let generation = self.listings.generation();
        let page = Arc::new(store.list_activities(query).await?);
        self.listings.put(query.clone(), generation, page.clone());
        Ok(page)
    }

    /// The ordering loop's deadlines as the settings give them.
    pub async fn order_deadlines(&self, store: &Store) -> ApiResult<Deadlines> {
        if let Some(deadlines) = self.deadlines.get(&()) {
            return Ok(deadlines);
        }
        let generation = self.deadlines.generation();
        let deadlines = store.order_deadlines().await?;
        self.deadlines.put((), generation, deadlines);
        Ok(deadlines)
    }

    /// Retires every listing: call after an activity or a sign-up changed.
    pub fn activities_changed(&self) {
        self.listings.forget_all();
    }
}
