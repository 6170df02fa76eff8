//! The ordering loop (点单 → 派单 → 接单 → 评单) as a state machine: the
//! states of a resident's order, the actions that move it and who may take
//! each. The application layer works out which party the caller is (the
//! resident who ordered, a dispatcher of the site, the organization the
//! order was dispatched to, or the server's own jobs); [`next`] decides.
//! Ratings and the evaluation window are checked here too.

use crate::RuleError;
use chrono::{DateTime, Duration, Utc};
use serde::{Deserialize, Serialize};

string_enum!(
    /// Where an order stands. `closed_unrated`: completed, and the resident
    /// did not rate it in time (closed, counted apart from closed loops).
    OrderState, "order_state_invalid", {
        Ordered = "ordered",
        Dispatched = "dispatched",
        Accepted = "accepted",
        InService = "in_service",
        Completed = "completed",
        Evaluated = "evaluated",
        ClosedUnrated = "closed_unrated",
        Cancelled = "cancelled",
        Expired = "expired",
    }
);

impl OrderState {
    /// No action moves an order out of these.
    pub fn is_final(self) -> bool {
        matches!(
            self,
            OrderState::Evaluated | OrderState::ClosedUnrated | OrderState::Cancelled | OrderState::Expired
        )
    }

    /// A closed loop: served and rated (the document's 点派接评).
    pub fn is_closed_loop(self) -> bool {
        self == OrderState::Evaluated
    }
}

/// Who takes an action on an order, as the application layer establishes it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Party {
    /// The resident who ordered (or on whose behalf a site ordered).
    Orderer,
    /// A manager of the site the order waits at, or of a site above it
    /// after escalation, or the county's administrator.
    Dispatcher,
    /// An admin of the organization the order is dispatched to.
    AssignedOrganization,
    /// The server's own deadline jobs.
    System,
    /// Anyone else.
    Other,
}

impl Party {
    /// The party's name in an order's history.
    pub fn as_str(self) -> &'static str {
        match self {
            Party::Orderer => "orderer",
            Party::Dispatcher => "dispatcher",
            Party::AssignedOrganization => "organization",
            Party::System => "system",
            Party::Other => "other",
        }
    }
}

/// Who is told of a step, in their inbox.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Recipient {
    /// The resident who ordered (or, without an account, their contact phone).
    Orderer,
    /// The managers of the desk the order waits at after the step (the
    /// county's administrators at the last desk).
    Desk,
    /// The admins of the organization concerned by the step.
    Organization,
}

/// The organization a step concerns (its event, the figures it adds to,
/// whom it tells): the one a dispatch sends the order to, else the one the
/// order was with (a refusal, a timeout, a completion, a rating).
pub fn organization_concerned<T>(action: OrderAction, with: Option<T>, sent_to: Option<T>) -> Option<T> {
    match action {
        OrderAction::Dispatch => sent_to,
        _ => with,
    }
}

/// The organization an order is with after a step: the one a dispatch
/// sends it to; none after a refusal or an unanswered dispatch (it is back
/// on the desk); otherwise the one it was with.
pub fn organization_after<T>(action: OrderAction, with: Option<T>, sent_to: Option<T>) -> Option<T> {
    match action {
        OrderAction::Refuse | OrderAction::AcceptTimeout => None,
        _ => organization_concerned(action, with, sent_to),
    }
}

/// Who hears of a step (`None`: the order was placed): a new order and
/// anything that puts it back on a desk tells the desk; a dispatch tells
/// the organization; what the resident waits for tells them.
pub fn told(action: Option<OrderAction>) -> &'static [Recipient] {
    use OrderAction::*;
    use Recipient as R;
    match action {
        None => &[R::Desk],
        Some(Dispatch) => &[R::Organization, R::Orderer],
        Some(Accept | Start | Complete | Expire) => &[R::Orderer],
        Some(Refuse | AcceptTimeout | Escalate) => &[R::Desk],
        Some(Evaluate) => &[R::Organization],
        Some(Cancel | FlagOverdue) => &[R::Desk, R::Organization],
        Some(CloseUnrated) => &[],
    }
}

/// What can be done to an order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrderAction {
    Dispatch,
    Accept,
    /// The organization declines; the order goes back to the dispatcher.
    Refuse,
    /// Not accepted in time: back to the dispatcher.
    AcceptTimeout,
    /// Not dispatched in time: handed one level up; the state stays.
    Escalate,
    /// The service began.
    Start,
    Complete,
    Evaluate,
    /// The evaluation window passed without a rating.
    CloseUnrated,
    /// The resident withdraws the order before the service began.
    Cancel,
    /// The wanted time passed before anyone accepted it.
    Expire,
    /// The wanted time passed and the service is not completed: flagged
    /// for the dispatcher; the state stays.
    FlagOverdue,
}

impl OrderAction {
    /// Every action there is.
    pub const ALL: [OrderAction; 12] = [
        OrderAction::Dispatch,
        OrderAction::Accept,
        OrderAction::Refuse,
        OrderAction::AcceptTimeout,
        OrderAction::Escalate,
        OrderAction::Start,
        OrderAction::Complete,
        OrderAction::Evaluate,
        OrderAction::CloseUnrated,
        OrderAction::Cancel,
        OrderAction::Expire,
        OrderAction::FlagOverdue,
    ];

    /// The party that may take the action.
    pub fn party(self) -> Party {
        use OrderAction::*;
        match self {
            Dispatch => Party::Dispatcher,
            Accept | Refuse | Start | Complete => Party::AssignedOrganization,
            Evaluate | Cancel => Party::Orderer,
            AcceptTimeout | Escalate | CloseUnrated | Expire | FlagOverdue => Party::System,
        }
    }

    /// The action's name in an order's history.
    pub fn as_str(self) -> &'static str {
        use OrderAction::*;
        match self {
            Dispatch => "dispatch",
            Accept => "accept",
            Refuse => "refuse",
            AcceptTimeout => "accept_timeout",
            Escalate => "escalate",
            Start => "start",
            Complete => "complete",
            Evaluate => "evaluate",
            CloseUnrated => "close_unrated",
            Cancel => "cancel",
            Expire => "expire",
            FlagOverdue => "flag_overdue",
        }
    }
}

/// The name of the first event of every order's history: it was placed.
pub const PLACED: &str = "place";

/// The state `action` moves an order in `state` to, when `party` takes it:
/// `order_party_wrong` for the wrong party, `invalid_transition` when the
/// action does not apply to the state.
pub fn next(state: OrderState, action: OrderAction, party: Party) -> Result<OrderState, RuleError> {
    use OrderAction::*;
    use OrderState::*;
    if party != action.party() {
        return Err(RuleError::new(
            "order_party_wrong",
            "this step of the order is not yours to take",
        ));
    }
    let to = match (state, action) {
        (Ordered, Dispatch) => Dispatched,
        (Ordered, Escalate) => Ordered,
        (Dispatched, Accept) => Accepted,
        (Dispatched, Refuse | AcceptTimeout) => Ordered,
        (Accepted, Start) => InService,
        (Accepted | InService, Complete) => Completed,
        (Completed, Evaluate) => Evaluated,
        (Completed, CloseUnrated) => ClosedUnrated,
        (Ordered | Dispatched | Accepted, Cancel) => Cancelled,
        (Ordered | Dispatched, Expire) => Expired,
        (Accepted | InService, FlagOverdue) => state,
        _ => {
            return Err(RuleError::new(
                "invalid_transition",
                format!("an order that is {} cannot take this step", state.as_str()),
            ));
        }
    };
    Ok(to)
}

/// Orders one person may have open (not rated, closed, cancelled or
/// expired) at once: a station is not flooded by one account.
pub const MAX_OPEN_ORDERS: i64 = 10;

/// Whether one more order may be placed for someone who has `open` orders
/// open already (`too_many_open_orders` otherwise).
pub fn check_open_orders(open: i64) -> Result<(), RuleError> {
    if open >= MAX_OPEN_ORDERS {
        return Err(RuleError::new(
            "too_many_open_orders",
            format!("at most {MAX_OPEN_ORDERS} orders open at once: wait for one to close, or cancel one"),
        ));
    }
    Ok(())
}

/// The longest description of a need, in characters.
pub const MAX_CONTENT_CHARS: usize = 1000;
/// The longest address, in characters.
pub const MAX_ADDRESS_CHARS: usize = 200;

/// An order as the resident (or the site on their behalf) asked for it,
/// checked.
#[derive(Debug, Clone, PartialEq)]
pub struct OrderDraft {
    pub content: String,
    pub address: Option<String>,
    pub location: Option<(f64, f64)>,
    pub wanted_from: Option<DateTime<Utc>>,
    pub wanted_to: Option<DateTime<Utc>>,
}

/// Checks what an order asks for: a need of 1 to 1,000 characters
/// (`content_required`, `content_too_long`), an address of at most 200
/// (`address_invalid`), both coordinates or neither (`location_invalid`),
/// and a wanted window that ends after it starts (`wanted_window_invalid`)
/// and has not passed at `now` (`wanted_window_past`).
pub fn check_draft(
    content: &str,
    address: Option<&str>,
    location: (Option<f64>, Option<f64>),
    wanted: (Option<DateTime<Utc>>, Option<DateTime<Utc>>),
    now: DateTime<Utc>,
) -> Result<OrderDraft, RuleError> {
    let content = content.trim();
    if content.is_empty() {
        return Err(RuleError::new("content_required", "say what is needed").on("content"));
    }
    if content.chars().count() > MAX_CONTENT_CHARS {
        return Err(RuleError::new(
            "content_too_long",
            format!("a need is at most {MAX_CONTENT_CHARS} characters"),
        )
        .on("content"));
    }
    let address = address.map(str::trim).filter(|a| !a.is_empty());
    if address.is_some_and(|a| a.chars().count() > MAX_ADDRESS_CHARS || a.chars().any(char::is_control)) {
        return Err(
            RuleError::new("address_invalid", "an address is one line of at most 200 characters").on("address"),
        );
    }
    let location = match location {
        (Some(lat), Some(lon)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => Some((lat, lon)),
        (None, None) => None,
        _ => return Err(RuleError::new("location_invalid", "give both lat and lon, in degrees").on("lat")),
    };
    let (wanted_from, wanted_to) = wanted;
    if let (Some(from), Some(to)) = (wanted_from, wanted_to)
        && to <= from
    {
        return Err(RuleError::new("wanted_window_invalid", "the wanted time ends after it starts").on("wanted_to"));
    }
    if wanted_to.or(wanted_from).is_some_and(|end| end <= now) {
        return Err(RuleError::new("wanted_window_past", "the wanted time has passed").on("wanted_to"));
    }
    Ok(OrderDraft {
        content: content.to_string(),
        address: address.map(str::to_string),
        location,
        wanted_from,
        wanted_to,
    })
}

/// Volunteers a delivery activity asks for when the organization does not say.
pub const DEFAULT_DELIVERY_QUOTA: u32 = 2;
/// The fence of a delivery activity around the order's place, in metres.
pub const DELIVERY_RADIUS_M: u32 = 500;
/// A delivery without a wanted end lasts this long.
pub const DEFAULT_DELIVERY_HOURS: i64 = 2;

/// What a delivery activity is made from.
#[derive(Debug, Clone)]
pub struct Delivery<'a> {
    pub content: &'a str,
    pub category: &'a str,
    /// The order's place, or its site's, or the one the organization gives.
    pub location: (f64, f64),
    pub wanted_from: Option<DateTime<Utc>>,
    pub wanted_to: Option<DateTime<Utc>>,
    pub quota: Option<u32>,
}

/// The activity through which an accepted order is served, so that
/// sign-up, attendance and hours work as for any activity: titled after
/// the need, in the order's category, fenced around its place, from the
/// wanted time (or now) to its end (or two hours later). Members sign up
/// and the organization approves them, as it does for its own activities.
pub fn delivery_activity(delivery: &Delivery<'_>, now: DateTime<Utc>) -> crate::activity::ActivityInput {
    let starts_at = delivery.wanted_from.filter(|from| *from > now).unwrap_or(now);
    let ends_at = delivery
        .wanted_to
        .filter(|to| *to > starts_at)
        .unwrap_or(starts_at + Duration::hours(DEFAULT_DELIVERY_HOURS));
    let need: String = delivery.content.chars().take(40).collect();
    crate::activity::ActivityInput {
        title: format!("点单服务：{need}"),
        description: delivery.content.to_string(),
        category: delivery.category.to_string(),
        lat: delivery.location.0,
        lon: delivery.location.1,
        radius_m: DELIVERY_RADIUS_M,
        starts_at,
        ends_at,
        quota: delivery.quota.unwrap_or(DEFAULT_DELIVERY_QUOTA),
        signup_closes: Some(ends_at),
        auto_approve: false,
        ..crate::activity::ActivityInput::default()
    }
}

/// Nobody rates a service their own organization gave: a resident who is
/// also an admin of the organization that served their order may not rate
/// it (`order_self_service`); the loop then closes unrated.
pub fn check_not_self_served(orderer_runs_the_organization: bool) -> Result<(), RuleError> {
    if orderer_runs_the_organization {
        return Err(RuleError::new(
            "order_self_service",
            "you run the organization that served this order, so you cannot rate it",
        ));
    }
    Ok(())
}

/// The longest comment of a rating, in characters.
pub const MAX_COMMENT_CHARS: usize = 500;

/// A rating of 1 to 5 with an optional comment (trimmed; at most 500
/// characters); yields the comment to keep.
pub fn check_rating(rating: u8, comment: &str) -> Result<String, RuleError> {
    if !(1..=5).contains(&rating) {
        return Err(RuleError::new("rating_invalid", "a rating is 1 to 5").on("rating"));
    }
    let comment = comment.trim();
    if comment.chars().count() > MAX_COMMENT_CHARS {
        return Err(RuleError::new("comment_too_long", "a comment is at most 500 characters").on("comment"));
    }
    Ok(comment.to_string())
}

/// Whether a resident may still rate an order completed at `completed_at`,
/// given `days` to do so: until the same time `days` days later.
pub fn evaluation_open(completed_at: DateTime<Utc>, now: DateTime<Utc>, days: u32) -> bool {
    now <= completed_at + Duration::days(i64::from(days))
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;
    use proptest::prelude::*;

    #[test]
    fn an_order_is_with_the_organization_it_was_sent_to_until_it_comes_back() {
        let (with, sent_to) = (Some(7), Some(9));
        assert_eq!(organization_after(OrderAction::Dispatch, None, sent_to), sent_to);
        assert_eq!(organization_concerned(OrderAction::Dispatch, with, sent_to), sent_to);
        for back in [OrderAction::Refuse, OrderAction::AcceptTimeout] {
            assert_eq!(organization_after(back, with, None), None, "{back:?}");
            assert_eq!(
                organization_concerned(back, with, None),
                with,
                "{back:?}: it concerns the one it was with"
            );
        }
        for kept in [
            OrderAction::Accept,
            OrderAction::Start,
            OrderAction::Complete,
            OrderAction::Evaluate,
        ] {
            assert_eq!(organization_after(kept, with, None), with, "{kept:?}");
            assert_eq!(organization_concerned(kept, with, None), with, "{kept:?}");
        }
    }

    #[test]
    fn the_loop_runs_from_order_to_evaluation() {
        let mut state = OrderState::Ordered;
        for action in [
            OrderAction::Dispatch,
            OrderAction::Accept,
            OrderAction::Start,
            OrderAction::Complete,
            OrderAction::Evaluate,
        ] {
            state = next(state, action, action.party()).unwrap();
        }
        assert_eq!(state, OrderState::Evaluated);
        assert!(state.is_closed_loop());
    }

    #[test]
    fn a_refusal_or_a_timeout_goes_back_to_the_dispatcher() {
        for back in [OrderAction::Refuse, OrderAction::AcceptTimeout] {
            assert_eq!(
                next(OrderState::Dispatched, back, back.party()).unwrap(),
                OrderState::Ordered
            );
        }
    }

    #[test]
    fn only_the_right_party_takes_a_step() {
        let refused = next(OrderState::Ordered, OrderAction::Dispatch, Party::Orderer).unwrap_err();
        assert_eq!(refused.code, "order_party_wrong");
        // Nobody confirms their own service: the organization cannot rate it.
        let refused = next(
            OrderState::Completed,
            OrderAction::Evaluate,
            Party::AssignedOrganization,
        )
        .unwrap_err();
        assert_eq!(refused.code, "order_party_wrong");
        let refused = next(OrderState::Dispatched, OrderAction::Accept, Party::Other).unwrap_err();
        assert_eq!(refused.code, "order_party_wrong");
    }

    #[test]
    fn the_resident_cancels_only_before_the_service_begins() {
        assert_eq!(
            next(OrderState::Accepted, OrderAction::Cancel, Party::Orderer).unwrap(),
            OrderState::Cancelled
        );
        let refused = next(OrderState::InService, OrderAction::Cancel, Party::Orderer).unwrap_err();
        assert_eq!(refused.code, "invalid_transition");
    }

    #[test]
    fn ratings_are_one_to_five_with_a_short_comment() {
        assert_eq!(check_rating(5, "  很好  ").unwrap(), "很好");
        assert_eq!(check_rating(0, "").unwrap_err().code, "rating_invalid");
        assert_eq!(check_rating(6, "").unwrap_err().code, "rating_invalid");
        assert_eq!(check_rating(3, &"好".repeat(501)).unwrap_err().code, "comment_too_long");
    }

    #[test]
    fn the_evaluation_window_ends_after_its_days() {
        let done = Utc.with_ymd_and_hms(2026, 12, 1, 10, 0, 0).unwrap();
        assert!(evaluation_open(done, done + Duration::days(7), 7));
        assert!(!evaluation_open(
            done,
            done + Duration::days(7) + Duration::seconds(1),
            7
        ));
    }

    #[test]
    fn a_need_is_said_in_one_to_a_thousand_characters_for_a_time_to_come() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap();
        let later = now + Duration::hours(3);
        let draft = check_draft(
            " 帮忙买药 ",
            Some(" 青山路1号 "),
            (Some(28.68), Some(115.95)),
            (Some(now), Some(later)),
            now,
        )
        .unwrap();
        assert_eq!(draft.content, "帮忙买药");
        assert_eq!(draft.address.as_deref(), Some("青山路1号"));
        let code = |content: &str, wanted| check_draft(content, None, (None, None), wanted, now).unwrap_err().code;
        assert_eq!(code("  ", (None, None)), "content_required");
        assert_eq!(code(&"药".repeat(10_000), (None, None)), "content_too_long");
        assert!(check_draft(&"药".repeat(1000), None, (None, None), (None, None), now).is_ok());
        assert_eq!(
            code("买药", (Some(later), Some(now + Duration::hours(1)))),
            "wanted_window_invalid"
        );
        assert_eq!(
            code("买药", (Some(now - Duration::hours(3)), Some(now))),
            "wanted_window_past"
        );
        assert_eq!(
            code("买药", (Some(now - Duration::minutes(1)), None)),
            "wanted_window_past"
        );
        assert!(
            check_draft(
                "买药",
                None,
                (None, None),
                (Some(now - Duration::hours(1)), Some(later)),
                now
            )
            .is_ok(),
            "under way"
        );
        assert_eq!(
            check_draft("买药", None, (Some(28.0), None), (None, None), now)
                .unwrap_err()
                .code,
            "location_invalid"
        );
        assert_eq!(
            check_draft("买药", Some("a\nb"), (None, None), (None, None), now)
                .unwrap_err()
                .code,
            "address_invalid"
        );
    }

    #[test]
    fn a_delivery_is_an_ordinary_activity_around_the_order() {
        let now = Utc.with_ymd_and_hms(2026, 12, 3, 2, 0, 0).unwrap();
        let delivery = Delivery {
            content: "帮忙买药",
            category: "left_behind_elderly",
            location: (28.68, 115.95),
            wanted_from: None,
            wanted_to: None,
            quota: None,
        };
        let input = delivery_activity(&delivery, now);
        assert_eq!(input.title, "点单服务：帮忙买药");
        assert_eq!((input.starts_at, input.ends_at), (now, now + Duration::hours(2)));
        let plan = crate::activity::plan(input).unwrap();
        assert_eq!(plan.quota, DEFAULT_DELIVERY_QUOTA);
        assert!(!plan.auto_approve, "the organization approves who serves");
        let later = Delivery {
            wanted_from: Some(now + Duration::hours(5)),
            wanted_to: Some(now + Duration::hours(6)),
            quota: Some(4),
            ..delivery
        };
        let input = delivery_activity(&later, now);
        assert_eq!(
            (input.starts_at, input.ends_at, input.quota),
            (now + Duration::hours(5), now + Duration::hours(6), 4)
        );
    }

    #[test]
    fn nobody_rates_their_own_organizations_service() {
        assert!(check_not_self_served(false).is_ok());
        assert_eq!(check_not_self_served(true).unwrap_err().code, "order_self_service");
    }

    #[test]
    fn one_person_has_a_bounded_number_of_open_orders() {
        assert!(check_open_orders(MAX_OPEN_ORDERS - 1).is_ok());
        assert_eq!(
            check_open_orders(MAX_OPEN_ORDERS).unwrap_err().code,
            "too_many_open_orders"
        );
    }

    #[test]
    fn each_step_tells_whom_it_concerns() {
        assert_eq!(told(None), &[Recipient::Desk]);
        assert!(told(Some(OrderAction::Dispatch)).contains(&Recipient::Organization));
        assert!(told(Some(OrderAction::Escalate)).contains(&Recipient::Desk));
        assert!(told(Some(OrderAction::Complete)).contains(&Recipient::Orderer));
    }

    fn action() -> impl Strategy<Value = OrderAction> {
        (0..OrderAction::ALL.len()).prop_map(|i| OrderAction::ALL[i])
    }

    proptest! {
        /// Whatever is tried, by whomever: a final state is never left, an
        /// order is rated only after it was completed, and it is completed
        /// only after an organization accepted it.
        #[test]
        fn the_loop_keeps_its_order(tries in prop::collection::vec((action(), any::<bool>()), 0..40)) {
            let mut state = OrderState::Ordered;
            let mut accepted = false;
            let mut completed = false;
            for (action, right_party) in tries {
                let party = if right_party { action.party() } else { Party::Other };
                match next(state, action, party) {
                    Ok(to) => {
                        prop_assert!(!state.is_final(), "left the final state {state:?}");
                        prop_assert!(right_party);
                        accepted |= to == OrderState::Accepted;
                        if to == OrderState::Completed {
                            prop_assert!(accepted);
                            completed = true;
                        }
                        if matches!(to, OrderState::Evaluated | OrderState::ClosedUnrated) {
                            prop_assert!(completed);
                        }
                        state = to;
                    }
                    Err(refusal) => {
                        prop_assert!(["order_party_wrong", "invalid_transition"].contains(&refusal.code));
                    }
                }
            }
        }
    }
}
