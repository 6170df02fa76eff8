//! Identity appeals: someone else registered with my ID number. Anyone may
//! file one (the person whose number is taken cannot register), at most 3 a
//! day from one address, and the answer is the same whether the number is
//! registered or not; region administrators over the record that holds the
//! number list and resolve them.

use crate::app::scope::admin_region_path;
use crate::auth::{CurrentUser, count_try};
use crate::error::{ApiError, ApiResult};
use crate::state::AppState;
use zhiyuan_domain::id_number::IdNumber;
use zhiyuan_domain::phone::Phone;
use zhiyuan_domain::throttle::APPEALS_PER_ADDRESS;
use zhiyuan_domain::time::china_date;
use zhiyuan_domain::volunteer::{self, check_person_name};
use zhiyuan_store::Page;
use zhiyuan_store::appeals::{Appeal, NewAppeal};

/// An appeal as the appellant writes it.
pub struct AppealDraft<'a> {
    pub name: &'a str,
    pub id_number: &'a str,
    pub phone: &'a str,
    pub region_code: &'a str,
    pub reason: &'a str,
}

/// Files an appeal (counted per address before it is stored); yields its id.
pub async fn file(
    state: &AppState,
    caller: Option<&CurrentUser>,
    draft: &AppealDraft<'_>,
    address: &str,
) -> ApiResult<i64> {
    let name = check_person_name(draft.name, "name")?;
    let id_number = IdNumber::parse(draft.id_number, china_date(state.now()))?;
    let phone = Phone::parse(draft.phone)?;
    let reason = volunteer::check_reason(draft.reason, true, "reason")?;
    count_try(state, APPEALS_PER_ADDRESS, &[address], state.now_ms()).await?;
    let appeal = NewAppeal {
        id_number: id_number.as_str(),
        name: &name,
        phone: phone.as_str(),
        region_code: draft.region_code.trim(),
        reason: &reason,
        filed_by: caller.map(|c| c.user.id),
    };
    Ok(state.store.file_appeal(&appeal, state.now_ms()).await?)
}

/// The appeals in region `region` (default: the caller's scope), for
/// region administrators.
pub async fn in_region(
    state: &AppState,
    caller: &CurrentUser,
    region: Option<&str>,
    cursor: Option<&str>,
    limit: i64,
) -> ApiResult<Page<Appeal>> {
    let path = admin_region_path(state, &caller.actor, region).await?;
    Ok(state.store.appeals_in(&path, cursor, limit).await?)
}

/// Resolves appeal `id` (a region administrator over the region of the
/// record that held the number when it was filed); upheld releases the
/// number from that record.
pub async fn resolve(
    state: &AppState,
    caller: &CurrentUser,
    id: i64,
    upheld: bool,
    resolution: &str,
) -> ApiResult<Appeal> {
    let (_, path) = state
        .store
        .appeal(id)
        .await?
        .ok_or_else(|| ApiError::not_found("appeal"))?;
    caller.actor.require_region_admin(&path)?;
    let resolution = volunteer::check_reason(resolution, false, "resolution")?;
    Ok(state
        .store
        .resolve_appeal(id, upheld, &resolution, caller.user.id, state.now_ms())
        .await?)
}
