//! `zhiyuan demo`: Jiangxi's regions and sites (the division list ships in
//! the binary), the demo accounts and generated volunteers.

use zhiyuan_domain::region::RegionLevel;
use zhiyuan_server::auth::Passwords;
use zhiyuan_server::demo::{
    DEMO_COUNTY, DEMO_LOGINS, DEMO_PASSWORD, Scale, seed_accounts, seed_activities, seed_menu, seed_volunteers,
};
use zhiyuan_store::Store;

/// The division list of Jiangxi (GB/T 2260 and statistics-bureau codes).
const JIANGXI_REGIONS: &str = include_str!("../../../data/jiangxi-regions.csv");

/// Loads Jiangxi's regions unless they are all there, and creates the sites.
pub async fn load_regions(store: &Store) -> Result<(), String> {
    let expected = JIANGXI_REGIONS.lines().skip(1).filter(|l| !l.trim().is_empty()).count() as i64;
    let present = store.region_count().await.map_err(|e| e.to_string())?;
    if present < expected {
        eprintln!("loading {expected} regions of Jiangxi ...");
        // The importer reads files (CSV or XLSX by extension): hand it the
        // embedded list as a temporary CSV file.
        let file = tempfile::Builder::new()
            .suffix(".csv")
            .tempfile()
            .map_err(|e| format!("temporary file: {e}"))?;
        std::fs::write(file.path(), JIANGXI_REGIONS).map_err(|e| format!("temporary file: {e}"))?;
        let report = zhiyuan_import::import_regions(store, file.path())
            .await
            .map_err(|e| format!("regions: {e}"))?;
        eprintln!("regions: {}", report.summary());
    }
    store.ensure_sites().await.map_err(|e| e.to_string())?;
    Ok(())
}

/// Regions, sites, demo accounts and generated volunteers; prints the logins.
pub async fn load(store: &Store, scale: Scale) -> Result<(), String> {
    load_regions(store).await?;
    seed_accounts(store, &Passwords::new(1)).await.map_err(|e| e.detail)?;
    let area = match scale {
        Scale::Province => "36".to_string(),
        Scale::Small | Scale::County => store.require_region(DEMO_COUNTY).await.map_err(|e| e.to_string())?.path,
    };
    let villages = store
        .region_codes_in(&area, RegionLevel::Village)
        .await
        .map_err(|e| e.to_string())?;
    let added = seed_volunteers(store, &villages, scale).await.map_err(|e| e.detail)?;
    if added > 0 {
        eprintln!("generated {added} volunteers");
    }
    let activities = seed_activities(store, &villages, scale).await.map_err(|e| e.detail)?;
    if activities > 0 {
        eprintln!("published {activities} demo activities");
    }
    let services = seed_menu(store).await.map_err(|e| e.detail)?;
    if services > 0 {
        eprintln!("put {services} services on the menus of {DEMO_COUNTY}");
    }
    println!("demo logins (password {DEMO_PASSWORD}):");
    for login in DEMO_LOGINS {
        println!("  {}  {}", login.phone, login.role);
    }
    Ok(())
}
