//! The one permission policy: a pure function of (caller, action, the object's account).
//!
//! Handlers use [`decide`] for single objects and [`account_scope`] as the filter for lists,
//! and both are derived from the same [`may`] table, so a list never shows what a read would
//! refuse. An object outside the caller's scope is [`Decision::NotFound`] (its existence is not
//! revealed); an action the caller's role may never take is [`Decision::Forbidden`].

use crate::identity::{CustomerRole, DealerRole, Principal, StaffRole};

/// Everything a caller can ask to do, named by object and verb.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Action {
    ReadAccount,
    /// An account's credit rating and payment history (need to know: customer service).
    ReadCreditData,
    CreateAccount,
    UpdateAccount,
    ReadSites,
    /// Keep the account's details that are not credit data current: its sites (create,
    /// change, delete) and its invoicing contact.
    EditAccountDetails,
    ReadEvents,
    ListMembers,
    /// Change a member's role or remove them.
    ManageMembers,
    InviteMembers,
    ListJoinRequests,
    DecideJoinRequests,
    /// Correct a user's e-mail address (not an account's object: staff only).
    CorrectUserEmail,
    ResendUserConfirmation,
    ReadDevices,
    CreateDevice,
    UpdateDeviceLocation,
    RequestDeviceRemoval,
    RemoveDevice,
    AssignDevices,
    SubmitReading,
    /// Reading history and usage.
    ReadReadings,
    /// The billing export: every device's usage of a reading period.
    ExportUsage,
    CorrectReadings,
    ManageDeviceModels,
    ReviewFlaggedReadings,
    ReadServiceContract,
    EditServiceContract,
    /// Read cases and follow their progress.
    ReadCases,
    OpenCase,
    CommentOnCase,
    /// Staff notes on a case that customers never see.
    WriteInternalNote,
    /// Ask for a status change; the case state machine decides which moves are whose.
    MoveCase,
    AssignTechnician,
    /// An account's full case history.
    ReadCaseHistory,
    /// Create dealers (staff).
    ManageDealers,
    ReadDealers,
    /// Invite a dealer's users and change their roles (the dealer's administrator).
    ManageDealerUsers,
    /// Register and deregister the serial numbers a dealer services.
    RegisterSerials,
    ReadRegistrations,
    /// Log end users' calls, record remedies tried, redirect and resolve them.
    WorkCalls,
    ReadCalls,
    /// The catalogue of user-performed remedies.
    ManageRemedies,
    CreateDispatch,
    ReadDispatches,
    /// Accept dispatches and close them out (section 2).
    WorkDispatches,
    DecideLabour,
    SubmitClaims,
    ReadClaims,
    DecideClaims,
    /// See stock locations, their stock status and replenishment orders.
    ReadStock,
    CreateStockLocation,
    /// Edit a stock location and its levels; record receipts and consumption.
    EditStock,
    /// Link devices to a stock location for automated replenishment.
    LinkStockDevices,
    /// Assign stock locations to stock managers.
    AssignStockLocations,
    /// Issue and revoke the credentials devices report supply levels with.
    ManageDeviceCredentials,
    /// Record that a replenishment order was shipped (the manufacturer's side).
    ShipOrders,
    /// Search and read published knowledge articles (staff also drafts).
    ReadKnowledge,
    /// Write and publish knowledge articles.
    WriteKnowledge,
    /// Create, list and revoke the API clients of one's own organisation (people only).
    ManageApiClients,
    /// Subscribe one's organisation to events by webhook.
    ManageWebhooks,
}

impl Action {
    pub const ALL: &'static [Action] = &[
        Action::ReadAccount,
        Action::ReadCreditData,
        Action::CreateAccount,
        Action::UpdateAccount,
        Action::ReadSites,
        Action::EditAccountDetails,
        Action::ReadEvents,
        Action::ListMembers,
        Action::ManageMembers,
        Action::InviteMembers,
        Action::ListJoinRequests,
        Action::DecideJoinRequests,
        Action::CorrectUserEmail,
        Action::ResendUserConfirmation,
        Action::ReadDevices,
        Action::CreateDevice,
        Action::UpdateDeviceLocation,
        Action::RequestDeviceRemoval,
        Action::RemoveDevice,
        Action::AssignDevices,
        Action::SubmitReading,
        Action::ReadReadings,
        Action::ExportUsage,
        Action::CorrectReadings,
        Action::ManageDeviceModels,
        Action::ReviewFlaggedReadings,
        Action::ReadServiceContract,
        Action::EditServiceContract,
        Action::ReadCases,
        Action::OpenCase,
        Action::CommentOnCase,
        Action::WriteInternalNote,
        Action::MoveCase,
        Action::AssignTechnician,
        Action::ReadCaseHistory,
        Action::ManageDealers,
        Action::ReadDealers,
        Action::ManageDealerUsers,
        Action::RegisterSerials,
        Action::ReadRegistrations,
        Action::WorkCalls,
        Action::ReadCalls,
        Action::ManageRemedies,
        Action::CreateDispatch,
        Action::ReadDispatches,
        Action::WorkDispatches,
        Action::DecideLabour,
        Action::SubmitClaims,
        Action::ReadClaims,
        Action::DecideClaims,
        Action::ReadStock,
        Action::CreateStockLocation,
        Action::EditStock,
        Action::LinkStockDevices,
        Action::AssignStockLocations,
        Action::ManageDeviceCredentials,
        Action::ShipOrders,
        Action::ReadKnowledge,
        Action::WriteKnowledge,
        Action::ManageApiClients,
        Action::ManageWebhooks,
    ];
}

/// A role, whichever kind of organisation it belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Role {
    Staff(StaffRole),
    Customer(CustomerRole),
    Dealer(DealerRole),
}

/// The role table: may this role take this action at all (within its scope)?
pub fn may(role: Role, action: Action) -> bool {
    use Action::*;
    match role {
        Role::Staff(staff) => {
            use StaffRole::*;
            let customer_service = staff == CustomerService;
            let works_cases = matches!(
                staff,
                CustomerService | CallCenter | DispatchPlanner | Technician
            );
            match action {
                ReadAccount | ReadSites | ReadEvents | ListMembers | ReadDevices | ReadReadings
                | ExportUsage | ReadServiceContract | ReadCases | ReadStock | ReadKnowledge => true,
                // Staff see what their job needs: credit data is customer service's.
                ReadCreditData => customer_service,
                WriteKnowledge => matches!(staff, CustomerService | CallCenter),
                OpenCase => matches!(staff, CustomerService | CallCenter),
                CommentOnCase | WriteInternalNote | MoveCase => works_cases,
                AssignTechnician => staff == DispatchPlanner,
                // Technicians see the cases assigned to them, not accounts' histories.
                ReadCaseHistory => staff != Technician,
                ReadDealers | ReadRegistrations | ReadCalls | ReadDispatches | ReadClaims => true,
                ManageDealers | ManageDealerUsers => customer_service,
                // The manufacturer's own systems are customer service's to connect.
                ManageApiClients | ManageWebhooks => customer_service,
                WorkCalls | CreateDispatch => staff == CallCenter,
                ManageRemedies => matches!(staff, CallCenter | CustomerService),
                DecideLabour | DecideClaims => staff == WarrantyAdmin,
                // Field technicians work the call center's own-service dispatches assigned
                // to them; dealers work their own.
                WorkDispatches => staff == Technician,
                RegisterSerials | SubmitClaims => false,
                CreateAccount
                | UpdateAccount
                | EditAccountDetails
                | ManageMembers
                | InviteMembers
                | ListJoinRequests
                | DecideJoinRequests
                | CorrectUserEmail
                | ResendUserConfirmation
                | CreateDevice
                | UpdateDeviceLocation
                | RequestDeviceRemoval
                | RemoveDevice
                | AssignDevices
                | SubmitReading
                | CorrectReadings
                | ManageDeviceModels
                | ReviewFlaggedReadings
                | EditServiceContract
                | CreateStockLocation
                | EditStock
                | LinkStockDevices
                | AssignStockLocations
                | ManageDeviceCredentials
                | ShipOrders => customer_service,
            }
        }
        Role::Customer(customer) => {
            use CustomerRole::*;
            let administrator = customer == Administrator;
            let devices = matches!(
                customer,
                Administrator | DeviceManager | DeviceAndStockManager
            );
            match action {
                ReadAccount | ReadSites | ReadEvents | ReadServiceContract => {
                    customer != KnowledgeUser
                }
                ReadCreditData | ExportUsage => false,
                ListMembers
                | ManageMembers
                | InviteMembers
                | ListJoinRequests
                | DecideJoinRequests
                | AssignDevices
                | CreateStockLocation
                | LinkStockDevices
                | AssignStockLocations
                | ManageDeviceCredentials
                | ManageApiClients
                | ManageWebhooks
                | EditAccountDetails => administrator,
                ReadStock | EditStock => matches!(
                    customer,
                    Administrator | StockManager | DeviceAndStockManager
                ),
                // Every customer role, knowledge users included, and only that for them.
                ReadKnowledge => true,
                ReadDevices | UpdateDeviceLocation | RequestDeviceRemoval | SubmitReading
                | ReadReadings | ReadCases | OpenCase | CommentOnCase | MoveCase => devices,
                CreateAccount
                | UpdateAccount
                | CorrectUserEmail
                | ResendUserConfirmation
                | CreateDevice
                | RemoveDevice
                | CorrectReadings
                | ManageDeviceModels
                | ReviewFlaggedReadings
                | EditServiceContract
                | ShipOrders
                | WriteKnowledge
                | WriteInternalNote
                | AssignTechnician
                | ReadCaseHistory
                | ManageDealers
                | ReadDealers
                | ManageDealerUsers
                | RegisterSerials
                | ReadRegistrations
                | WorkCalls
                | ReadCalls
                | ManageRemedies
                | CreateDispatch
                | ReadDispatches
                | WorkDispatches
                | DecideLabour
                | SubmitClaims
                | ReadClaims
                | DecideClaims => false,
            }
        }
        // Dealers act on their own dealer's registrations, dispatches and claims only.
        Role::Dealer(dealer) => match action {
            ReadDealers | RegisterSerials | ReadRegistrations | ReadDispatches | WorkDispatches
            | SubmitClaims | ReadClaims => true,
            // Their own dealer's events (the feed's scope rule decides each one).
            ReadEvents => true,
            ManageDealerUsers | ManageApiClients | ManageWebhooks => {
                dealer == DealerRole::DealerAdmin
            }
            ManageDealers | WorkCalls | ReadCalls | ManageRemedies | CreateDispatch
            | DecideLabour | DecideClaims => false,
            ReadAccount
            | ReadCreditData
            | CreateAccount
            | UpdateAccount
            | ReadSites
            | EditAccountDetails
            | ListMembers
            | ManageMembers
            | InviteMembers
            | ListJoinRequests
            | DecideJoinRequests
            | CorrectUserEmail
            | ResendUserConfirmation
            | ReadDevices
            | CreateDevice
            | UpdateDeviceLocation
            | RequestDeviceRemoval
            | RemoveDevice
            | AssignDevices
            | SubmitReading
            | ReadReadings
            | ExportUsage
            | CorrectReadings
            | ManageDeviceModels
            | ReviewFlaggedReadings
            | ReadServiceContract
            | EditServiceContract
            | ReadCases
            | OpenCase
            | CommentOnCase
            | WriteInternalNote
            | MoveCase
            | AssignTechnician
            | ReadCaseHistory
            | ReadStock
            | CreateStockLocation
            | EditStock
            | LinkStockDevices
            | AssignStockLocations
            | ManageDeviceCredentials
            | ShipOrders
            | ReadKnowledge
            | WriteKnowledge => false,
        },
    }
}

/// May `who`, holding `role`, take `action`: the role table, and for an API client its scopes.
fn permits(who: &Principal, role: Role, action: Action) -> bool {
    may(role, action) && who.scoped_for(action)
}

/// Internal notes, internal attachments and staff-only events are the manufacturer's staff's:
/// customers and dealers never see them.
pub fn sees_staff_only(who: &Principal) -> bool {
    who.staff_role.is_some()
}

/// Roles that reach only the devices assigned to them, not all of the account's.
pub fn limited_to_assigned_devices(role: CustomerRole) -> bool {
    matches!(
        role,
        CustomerRole::DeviceManager | CustomerRole::DeviceAndStockManager
    )
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    Allow,
    Forbidden,
    NotFound,
}

/// May `who` take `action` on an object of `account_id` (`None`: an object of no account,
/// such as a new account)?
pub fn decide(who: &Principal, action: Action, account_id: Option<&str>) -> Decision {
    let unscoped = who
        .staff_role
        .map(Role::Staff)
        .or(who.dealer.as_ref().map(|d| Role::Dealer(d.role)));
    if let Some(role) = unscoped {
        return if permits(who, role, action) {
            Decision::Allow
        } else {
            Decision::Forbidden
        };
    }
    let role = account_id.and_then(|id| who.role_in(id));
    match role {
        Some(role) if permits(who, Role::Customer(role), action) => Decision::Allow,
        Some(_) => Decision::Forbidden,
        // Outside the caller's accounts: the object does not exist for them. With no
        // account to scope by, only a staff role could have allowed it.
        None if account_id.is_some() => Decision::NotFound,
        None => Decision::Forbidden,
    }
}

/// May `who` take `action` on device `device_id` of account `account_id`? Device managers
/// reach only their assigned devices: any other is outside their scope (not found).
pub fn decide_device(
    who: &Principal,
    action: Action,
    account_id: &str,
    device_id: &str,
) -> Decision {
    let assigned = &who.assigned_devices;
    decide_assigned(
        who,
        action,
        account_id,
        device_id,
        limited_to_assigned_devices,
        assigned,
    )
}

/// Stock managers reach only the stock locations assigned to them.
pub fn limited_to_assigned_stock(role: CustomerRole) -> bool {
    matches!(
        role,
        CustomerRole::StockManager | CustomerRole::DeviceAndStockManager
    )
}

/// May `who` take `action` on stock location `location_id` of `account_id`? Administrators
/// reach every location of their account, stock managers the ones assigned to them.
pub fn decide_stock(
    who: &Principal,
    action: Action,
    account_id: &str,
    location_id: &str,
) -> Decision {
    let assigned = &who.assigned_stock_locations;
    decide_assigned(
        who,
        action,
        account_id,
        location_id,
        limited_to_assigned_stock,
        assigned,
    )
}

/// `decide` for an object of an account that roles `limited` reach only when assigned.
fn decide_assigned(
    who: &Principal,
    action: Action,
    account_id: &str,
    object_id: &str,
    limited: fn(CustomerRole) -> bool,
    assigned: &[(String, String)],
) -> Decision {
    match decide(who, action, Some(account_id)) {
        Decision::Allow => {}
        other => return other,
    }
    match who.role_in(account_id) {
        Some(role)
            if limited(role)
                && !assigned
                    .iter()
                    .any(|(a, o)| a == account_id && o == object_id) =>
        {
            Decision::NotFound
        }
        _ => Decision::Allow,
    }
}

/// Which devices (or stock locations) a list for `action` may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DeviceScope {
    All,
    /// Every device of `accounts`, and the single `devices`.
    Only {
        accounts: Vec<String>,
        devices: Vec<String>,
    },
}

/// Which stock locations a list may show: every one of `accounts`, and the single assigned
/// ones (in `devices`).
pub type StockScope = DeviceScope;

impl DeviceScope {
    pub fn admits(&self, account_id: &str, device_id: &str) -> bool {
        self.admits_account(account_id)
            || matches!(self, DeviceScope::Only { devices, .. } if devices.iter().any(|d| d == device_id))
    }

    /// Does the scope hold every device of `account_id`?
    pub fn admits_account(&self, account_id: &str) -> bool {
        match self {
            DeviceScope::All => true,
            DeviceScope::Only { accounts, .. } => accounts.iter().any(|a| a == account_id),
        }
    }
}

/// The device list filter for `action`, or `None` when the caller may not list at all (403).
pub fn device_scope(who: &Principal, action: Action) -> Option<DeviceScope> {
    let assigned = &who.assigned_devices;
    assigned_scope(who, action, limited_to_assigned_devices, assigned)
}

/// The stock location list filter for `action`, or `None` when the caller may not list.
pub fn stock_scope(who: &Principal, action: Action) -> Option<StockScope> {
    let assigned = &who.assigned_stock_locations;
    assigned_scope(who, action, limited_to_assigned_stock, assigned)
}

fn assigned_scope(
    who: &Principal,
    action: Action,
    limited_role: fn(CustomerRole) -> bool,
    assigned: &[(String, String)],
) -> Option<DeviceScope> {
    let accounts = match account_scope(who, action)? {
        AccountScope::All => return Some(DeviceScope::All),
        AccountScope::Only(ids) => ids,
    };
    let (limited, full): (Vec<String>, Vec<String>) = accounts
        .into_iter()
        .partition(|a| who.role_in(a).is_some_and(limited_role));
    // An assignment counts only in an account where the user still holds the limited role.
    let devices = assigned
        .iter()
        .filter(|(account, _)| limited.contains(account))
        .map(|(_, device)| device.clone())
        .collect();
    Some(DeviceScope::Only {
        accounts: full,
        devices,
    })
}

/// A case, as far as its scope goes.
#[derive(Debug, Clone, Copy)]
pub struct CaseRef<'a> {
    pub account_id: &'a str,
    /// `None` for a case about the account alone (billing, a general question).
    pub device_id: Option<&'a str>,
    pub opened_by: &'a str,
    pub technician_id: Option<&'a str>,
}

/// Technicians reach only the cases a dispatch planner assigned to them.
fn limited_to_assigned_cases(who: &Principal) -> bool {
    who.staff_role == Some(StaffRole::Technician)
}

/// May `who` take `action` on `case`? A device's case follows the device's scope; a case
/// about the account alone is the account's administrators' and staff's, and a device
/// manager's only if they opened it. A technician's reach is the cases assigned to them.
pub fn decide_case(who: &Principal, action: Action, case: CaseRef<'_>) -> Decision {
    let decision = match case.device_id {
        Some(device_id) => decide_device(who, action, case.account_id, device_id),
        None => match decide(who, action, Some(case.account_id)) {
            Decision::Allow
                if who
                    .role_in(case.account_id)
                    .is_some_and(limited_to_assigned_devices)
                    && case.opened_by != who.user_id =>
            {
                Decision::NotFound
            }
            other => other,
        },
    };
    match decision {
        Decision::Allow => {}
        other => return other,
    }
    if limited_to_assigned_cases(who) && case.technician_id != Some(who.user_id.as_str()) {
        return Decision::NotFound;
    }
    Decision::Allow
}

/// Which cases a list for `action` may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CaseScope {
    /// The cases of the devices in scope (a case about an account alone is in scope with
    /// every device of its account), and the cases about the account alone that `opener`
    /// opened in `opened_in` (where they manage single devices).
    Devices {
        devices: DeviceScope,
        opener: String,
        opened_in: Vec<String>,
    },
    /// The cases assigned to this technician.
    AssignedTo(String),
}

impl CaseScope {
    pub fn admits(&self, case: CaseRef<'_>) -> bool {
        match self {
            CaseScope::Devices {
                devices,
                opener,
                opened_in,
            } => match case.device_id {
                Some(device_id) => devices.admits(case.account_id, device_id),
                None => {
                    devices.admits_account(case.account_id)
                        || (case.opened_by == opener
                            && opened_in.iter().any(|a| a == case.account_id))
                }
            },
            CaseScope::AssignedTo(user) => case.technician_id == Some(user.as_str()),
        }
    }
}

/// The case list filter for `action`, or `None` when the caller may not list at all (403).
pub fn case_scope(who: &Principal, action: Action) -> Option<CaseScope> {
    let devices = device_scope(who, action)?;
    if limited_to_assigned_cases(who) {
        return Some(CaseScope::AssignedTo(who.user_id.clone()));
    }
    let opened_in = match account_scope(who, action)? {
        AccountScope::All => Vec::new(),
        AccountScope::Only(ids) => ids
            .into_iter()
            .filter(|a| who.role_in(a).is_some_and(limited_to_assigned_devices))
            .collect(),
    };
    Some(CaseScope::Devices {
        devices,
        opener: who.user_id.clone(),
        opened_in,
    })
}

/// May `who` take `action` on an object of dealer `dealer_id` (`None`: an object of no
/// dealer yet, such as a new dealer or a call)? Staff are not scoped by dealer; a dealer's
/// users reach their own dealer's objects only (another's is 404 for every action, as
/// another account's is for customers); customers take no dealer-network action.
pub fn decide_dealer(who: &Principal, action: Action, dealer_id: Option<&str>) -> Decision {
    if let Some(staff) = who.staff_role {
        return if permits(who, Role::Staff(staff), action) {
            Decision::Allow
        } else {
            Decision::Forbidden
        };
    }
    let Some(dealer) = &who.dealer else {
        return Decision::Forbidden;
    };
    // Another dealer's object is not found, whatever the action: its existence is not told.
    match dealer_id {
        Some(id) if id != dealer.dealer_id => Decision::NotFound,
        _ if permits(who, Role::Dealer(dealer.role), action) => Decision::Allow,
        _ => Decision::Forbidden,
    }
}

/// Which dealers' objects a list for `action` may show: `Some(None)` all, `Some(Some(d))`
/// dealer `d`'s only, `None` the caller may not list at all (403).
pub fn dealer_scope(who: &Principal, action: Action) -> Option<Option<String>> {
    match decide_dealer(who, action, None) {
        Decision::Allow => Some(who.dealer.as_ref().map(|d| d.dealer_id.clone())),
        _ => None,
    }
}

/// May `who` take `action` on a dispatch to dealer `dealer_id` (`None`: the call center's
/// own service) assigned to technician `technician_id`? A dealer's users reach their own
/// dealer's dispatches; technicians only own-service dispatches assigned to them; other
/// staff every dispatch.
pub fn decide_dispatch(
    who: &Principal,
    action: Action,
    dealer_id: Option<&str>,
    technician_id: Option<&str>,
) -> Decision {
    if limited_to_assigned_cases(who) {
        if !permits(who, Role::Staff(StaffRole::Technician), action) {
            return Decision::Forbidden;
        }
        return if technician_id == Some(who.user_id.as_str()) {
            Decision::Allow
        } else {
            Decision::NotFound
        };
    }
    // The call center's own service belongs to no dealer: no dealer user reaches it.
    decide_dealer(who, action, Some(dealer_id.unwrap_or("")))
}

/// Which dispatches a list for `action` may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DispatchScope {
    All,
    /// One dealer's dispatches.
    Dealer(String),
    /// The own-service dispatches assigned to this technician.
    AssignedTo(String),
}

impl DispatchScope {
    pub fn admits(&self, dealer_id: Option<&str>, technician_id: Option<&str>) -> bool {
        match self {
            DispatchScope::All => true,
            DispatchScope::Dealer(d) => dealer_id == Some(d.as_str()),
            DispatchScope::AssignedTo(t) => technician_id == Some(t.as_str()),
        }
    }
}

/// The dispatch list filter for `action`, or `None` when the caller may not list at all.
pub fn dispatch_scope(who: &Principal, action: Action) -> Option<DispatchScope> {
    if limited_to_assigned_cases(who) {
        return permits(who, Role::Staff(StaffRole::Technician), action)
            .then(|| DispatchScope::AssignedTo(who.user_id.clone()));
    }
    Some(match dealer_scope(who, action)? {
        Some(dealer) => DispatchScope::Dealer(dealer),
        None => DispatchScope::All,
    })
}

/// May `who` take `action` on an object of no account or dealer (a knowledge article)?
/// Yes when any of their roles may: staff or dealer role, or a membership's role. A user
/// without any role (no membership yet) may not.
pub fn decide_unscoped(who: &Principal, action: Action) -> Decision {
    let any = who
        .staff_role
        .is_some_and(|r| permits(who, Role::Staff(r), action))
        || who
            .dealer
            .as_ref()
            .is_some_and(|d| permits(who, Role::Dealer(d.role), action))
        || who
            .memberships
            .iter()
            .any(|m| permits(who, Role::Customer(m.role), action));
    if any {
        Decision::Allow
    } else {
        Decision::Forbidden
    }
}

/// Which accounts' objects a list for `action` may show.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AccountScope {
    All,
    Only(Vec<String>),
}

impl AccountScope {
    pub fn admits(&self, account_id: &str) -> bool {
        match self {
            AccountScope::All => true,
            AccountScope::Only(ids) => ids.iter().any(|id| id == account_id),
        }
    }
}

/// The list filter for `action`, or `None` when the caller may not list at all (403).
pub fn account_scope(who: &Principal, action: Action) -> Option<AccountScope> {
    if let Some(staff) = who.staff_role {
        return permits(who, Role::Staff(staff), action).then_some(AccountScope::All);
    }
    if let Some(dealer) = &who.dealer {
        return permits(who, Role::Dealer(dealer.role), action)
            .then_some(AccountScope::Only(Vec::new()));
    }
    let ids: Vec<String> = who
        .memberships
        .iter()
        .filter(|m| permits(who, Role::Customer(m.role), action))
        .map(|m| m.account_id.clone())
        .collect();
    let has_any_permitted_role = !ids.is_empty() || who.memberships.is_empty();
    has_any_permitted_role.then_some(AccountScope::Only(ids))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{DealerMembership, Membership};
    use proptest::prelude::*;

    fn staff(role: StaffRole) -> Principal {
        Principal {
            user_id: "s".into(),
            staff_role: Some(role),
            dealer: None,
            memberships: vec![],
            assigned_devices: vec![],
            assigned_stock_locations: vec![],
            scopes: None,
        }
    }

    fn customer(memberships: &[(&str, CustomerRole)]) -> Principal {
        Principal {
            user_id: "c".into(),
            staff_role: None,
            dealer: None,
            assigned_devices: vec![],
            assigned_stock_locations: vec![],
            scopes: None,
            memberships: memberships
                .iter()
                .map(|(a, r)| Membership {
                    account_id: (*a).into(),
                    role: *r,
                })
                .collect(),
        }
    }

    /// The role table of the domain, written out in full: every role, every action.
    #[test]
    fn unscoped_actions_need_a_role_that_may() {
        let reader = customer(&[("a0", CustomerRole::KnowledgeUser)]);
        assert_eq!(
            decide_unscoped(&reader, Action::ReadKnowledge),
            Decision::Allow
        );
        assert_eq!(
            decide_unscoped(&reader, Action::WriteKnowledge),
            Decision::Forbidden
        );
        assert_eq!(
            decide_unscoped(&customer(&[]), Action::ReadKnowledge),
            Decision::Forbidden
        );
        let writer = staff(StaffRole::CallCenter);
        assert_eq!(
            decide_unscoped(&writer, Action::WriteKnowledge),
            Decision::Allow
        );
        let planner = staff(StaffRole::DispatchPlanner);
        assert_eq!(
            decide_unscoped(&planner, Action::WriteKnowledge),
            Decision::Forbidden
        );
    }

    #[test]
    fn role_table_is_exhaustive() {
        use Action::*;
        use CustomerRole::*;
        use DealerRole::*;
        use StaffRole::*;
        let everything_but_dispatch = &Action::ALL
            .iter()
            .copied()
            .filter(|a| *a != AssignTechnician)
            .collect::<Vec<_>>()[..];
        let case_reads = [ReadCases, ReadCaseHistory];
        let case_work = [ReadCases, CommentOnCase, WriteInternalNote, MoveCase];
        let read = &[
            ReadServiceContract,
            ReadAccount,
            ReadSites,
            ReadEvents,
            ListMembers,
            ReadDevices,
            ReadReadings,
            ExportUsage,
            ReadStock,
            ReadKnowledge,
        ][..];
        let call_center =
            &[read, &case_reads, &case_work, &[OpenCase, WriteKnowledge]].concat()[..];
        let dispatch_planner = &[read, &case_reads, &case_work, &[AssignTechnician]].concat()[..];
        let technician = &[read, &case_work].concat()[..];
        let network_reads = [
            ReadDealers,
            ReadRegistrations,
            ReadCalls,
            ReadDispatches,
            ReadClaims,
        ];
        let call_center = &[
            call_center,
            &network_reads,
            &[WorkCalls, CreateDispatch, ManageRemedies],
        ]
        .concat()[..];
        let dispatch_planner = &[dispatch_planner, &network_reads].concat()[..];
        let technician = &[technician, &network_reads, &[WorkDispatches]].concat()[..];
        let warranty_admin = &[
            read,
            &case_reads,
            &network_reads,
            &[DecideLabour, DecideClaims],
        ]
        .concat()[..];
        let customer_service = &everything_but_dispatch
            .iter()
            .copied()
            .filter(|a| {
                !matches!(
                    a,
                    WorkCalls
                        | CreateDispatch
                        | DecideLabour
                        | DecideClaims
                        | RegisterSerials
                        | WorkDispatches
                        | SubmitClaims
                )
            })
            .collect::<Vec<_>>()[..];
        let dealer = &[
            ReadDealers,
            RegisterSerials,
            ReadRegistrations,
            ReadDispatches,
            WorkDispatches,
            SubmitClaims,
            ReadClaims,
            ReadEvents,
        ][..];
        let dealer_admin = &[
            dealer,
            &[ManageDealerUsers, ManageApiClients, ManageWebhooks],
        ]
        .concat()[..];
        let device_work = &[
            ReadServiceContract,
            ReadAccount,
            ReadSites,
            ReadEvents,
            ReadDevices,
            UpdateDeviceLocation,
            RequestDeviceRemoval,
            SubmitReading,
            ReadReadings,
            ReadCases,
            OpenCase,
            CommentOnCase,
            MoveCase,
            ReadKnowledge,
        ][..];
        let customer_reads = &[
            ReadAccount,
            ReadSites,
            ReadEvents,
            ReadServiceContract,
            ReadKnowledge,
        ][..];
        let administrator = &[
            ReadServiceContract,
            ReadAccount,
            ReadSites,
            ReadEvents,
            ListMembers,
            ManageMembers,
            InviteMembers,
            ListJoinRequests,
            DecideJoinRequests,
            AssignDevices,
            ReadDevices,
            UpdateDeviceLocation,
            RequestDeviceRemoval,
            SubmitReading,
            ReadReadings,
            ReadCases,
            OpenCase,
            CommentOnCase,
            MoveCase,
            ReadStock,
            EditStock,
            CreateStockLocation,
            LinkStockDevices,
            AssignStockLocations,
            ManageDeviceCredentials,
            ReadKnowledge,
            ManageApiClients,
            ManageWebhooks,
            EditAccountDetails,
        ][..];
        let stock = [ReadStock, EditStock];
        let stock_manager = &[customer_reads, &stock].concat()[..];
        let device_and_stock = &[device_work, &stock].concat()[..];
        let expected: &[(Role, &[Action])] = &[
            (Role::Staff(CustomerService), customer_service),
            (Role::Staff(CallCenter), call_center),
            (Role::Staff(DispatchPlanner), dispatch_planner),
            (Role::Staff(Technician), technician),
            (Role::Staff(WarrantyAdmin), warranty_admin),
            (Role::Customer(Administrator), administrator),
            (Role::Customer(DeviceManager), device_work),
            (Role::Customer(StockManager), stock_manager),
            (Role::Customer(DeviceAndStockManager), device_and_stock),
            (Role::Customer(KnowledgeUser), &[ReadKnowledge]),
            (Role::Dealer(DealerAdmin), dealer_admin),
            (Role::Dealer(DealerTechnician), dealer),
        ];
        let roles = StaffRole::ALL.len() + CustomerRole::ALL.len() + DealerRole::ALL.len();
        assert_eq!(expected.len(), roles, "every role is in the table");
        for (role, allowed) in expected {
            for action in Action::ALL {
                assert_eq!(
                    may(*role, *action),
                    allowed.contains(action),
                    "{role:?} {action:?}"
                );
            }
        }
    }

    #[test]
    fn customers_are_scoped_to_their_accounts() {
        let who = customer(&[
            ("a", CustomerRole::Administrator),
            ("k", CustomerRole::KnowledgeUser),
        ]);
        assert_eq!(
            decide(&who, Action::ReadAccount, Some("a")),
            Decision::Allow
        );
        assert_eq!(
            decide(&who, Action::ReadAccount, Some("b")),
            Decision::NotFound
        );
        assert_eq!(
            decide(&who, Action::ReadAccount, Some("k")),
            Decision::Forbidden
        );
        assert_eq!(
            decide(&who, Action::UpdateAccount, Some("a")),
            Decision::Forbidden
        );
        assert_eq!(
            decide(&who, Action::UpdateAccount, Some("b")),
            Decision::NotFound
        );
        assert_eq!(
            decide(&who, Action::CreateAccount, None),
            Decision::Forbidden
        );
        assert_eq!(
            account_scope(&who, Action::ReadAccount),
            Some(AccountScope::Only(vec!["a".into()]))
        );
    }

    #[test]
    fn staff_roles_are_not_scoped_by_account() {
        let cs = staff(StaffRole::CustomerService);
        assert_eq!(
            decide(&cs, Action::UpdateAccount, Some("any")),
            Decision::Allow
        );
        let tech = staff(StaffRole::Technician);
        assert_eq!(
            decide(&tech, Action::UpdateAccount, Some("any")),
            Decision::Forbidden
        );
        assert_eq!(
            account_scope(&tech, Action::ReadAccount),
            Some(AccountScope::All)
        );
        assert_eq!(account_scope(&tech, Action::EditAccountDetails), None);
    }

    /// Memberships from drawn (account index, role) pairs; the first role drawn per account.
    fn one_role_per_account<'a>(
        accounts: &[&'a str],
        roles: Vec<(usize, CustomerRole)>,
    ) -> Vec<(&'a str, CustomerRole)> {
        let mut seen = std::collections::HashSet::new();
        roles
            .into_iter()
            .filter(|(a, _)| seen.insert(*a))
            .map(|(a, r)| (accounts[a], r))
            .collect()
    }

    fn any_customer_role() -> impl Strategy<Value = CustomerRole> {
        proptest::sample::select(CustomerRole::ALL)
    }

    #[test]
    fn technicians_reach_only_their_assigned_cases() {
        let tech = staff(StaffRole::Technician);
        let case = |technician_id| CaseRef {
            account_id: "a",
            device_id: Some("d"),
            opened_by: "c",
            technician_id,
        };
        assert_eq!(
            decide_case(&tech, Action::MoveCase, case(Some("s"))),
            Decision::Allow
        );
        assert_eq!(
            decide_case(&tech, Action::ReadCases, case(Some("other"))),
            Decision::NotFound
        );
        assert_eq!(
            decide_case(&tech, Action::ReadCases, case(None)),
            Decision::NotFound
        );
        assert_eq!(
            decide_case(&tech, Action::AssignTechnician, case(Some("s"))),
            Decision::Forbidden
        );
        let planner = staff(StaffRole::DispatchPlanner);
        assert_eq!(
            decide_case(&planner, Action::AssignTechnician, case(None)),
            Decision::Allow
        );
    }

    #[test]
    fn a_case_about_the_account_alone_is_its_administrators_and_its_openers() {
        let mut who = customer(&[
            ("a", CustomerRole::DeviceManager),
            ("b", CustomerRole::Administrator),
            ("k", CustomerRole::StockManager),
        ]);
        who.assigned_devices = vec![("a".into(), "d1".into())];
        let case = |account_id, opened_by| CaseRef {
            account_id,
            device_id: None,
            opened_by,
            technician_id: None,
        };
        let read = |case| decide_case(&who, Action::ReadCases, case);
        assert_eq!(read(case("a", "other")), Decision::NotFound);
        assert_eq!(read(case("a", who.user_id.as_str())), Decision::Allow);
        assert_eq!(read(case("b", "other")), Decision::Allow);
        assert_eq!(read(case("k", "other")), Decision::Forbidden);
        assert_eq!(read(case("z", "other")), Decision::NotFound);
        let cs = staff(StaffRole::CustomerService);
        assert_eq!(
            decide_case(&cs, Action::ReadCases, case("a", "other")),
            Decision::Allow
        );
    }

    #[test]
    fn device_managers_reach_only_their_assigned_devices() {
        let mut who = customer(&[
            ("a", CustomerRole::DeviceManager),
            ("b", CustomerRole::Administrator),
        ]);
        who.assigned_devices = vec![("a".into(), "d1".into())];
        assert_eq!(
            decide_device(&who, Action::SubmitReading, "a", "d1"),
            Decision::Allow
        );
        assert_eq!(
            decide_device(&who, Action::SubmitReading, "a", "d2"),
            Decision::NotFound
        );
        assert_eq!(
            decide_device(&who, Action::SubmitReading, "b", "any"),
            Decision::Allow,
            "administrators reach all"
        );
        assert_eq!(
            decide_device(&who, Action::RemoveDevice, "a", "d1"),
            Decision::Forbidden
        );
        assert_eq!(
            decide_device(&who, Action::ReadDevices, "c", "d9"),
            Decision::NotFound
        );
    }

    proptest! {
        /// For devices too, the list filter and the item check agree.
        #[test]
        fn device_list_filter_agrees_with_item_check(
            roles in proptest::collection::vec((0..3usize, any_customer_role()), 0..3),
            assigned in proptest::collection::vec((0..3usize, 0..4usize), 0..5),
            action_ix in 0..Action::ALL.len(),
            target in (0..3usize, 0..4usize),
        ) {
            let accounts = ["a0", "a1", "a2"];
            let memberships = one_role_per_account(&accounts, roles);
            let mut who = customer(&memberships);
            let device = |a: usize, d: usize| format!("{}-d{d}", accounts[a]);
            who.assigned_devices = assigned.into_iter().map(|(a, d)| (accounts[a].to_owned(), device(a, d))).collect();
            let action = Action::ALL[action_ix];
            let (ta, td) = target;
            let listed = device_scope(&who, action).is_some_and(|s| s.admits(accounts[ta], &device(ta, td)));
            let allowed = decide_device(&who, action, accounts[ta], &device(ta, td)) == Decision::Allow;
            prop_assert_eq!(listed, allowed);
        }

        /// For cases too, the list filter and the item check agree, technicians included.
        #[test]
        fn case_list_filter_agrees_with_item_check(
            roles in proptest::collection::vec((0..3usize, any_customer_role()), 0..3),
            staff_role in proptest::option::of(proptest::sample::select(StaffRole::ALL)),
            assigned in proptest::collection::vec((0..3usize, 0..4usize), 0..5),
            action_ix in 0..Action::ALL.len(),
            target in (0..3usize, proptest::option::of(0..4usize)),
            technician in proptest::option::of(proptest::sample::select(&["c", "s", "t"][..])),
            opened_by in proptest::sample::select(&["c", "s", "other"][..]),
        ) {
            let accounts = ["a0", "a1", "a2"];
            let memberships = one_role_per_account(&accounts, roles);
            let mut who = match staff_role {
                Some(role) => staff(role),
                None => customer(&memberships),
            };
            let device = |a: usize, d: usize| format!("{}-d{d}", accounts[a]);
            who.assigned_devices = assigned.into_iter().map(|(a, d)| (accounts[a].to_owned(), device(a, d))).collect();
            let action = Action::ALL[action_ix];
            let (ta, td) = target;
            let target_device = td.map(|td| device(ta, td));
            let case = CaseRef { account_id: accounts[ta], device_id: target_device.as_deref(), opened_by, technician_id: technician };
            let listed = case_scope(&who, action).is_some_and(|s| s.admits(case));
            let allowed = decide_case(&who, action, case) == Decision::Allow;
            prop_assert_eq!(listed, allowed);
        }

        /// For stock locations too: stock managers reach their assigned locations only.
        #[test]
        fn stock_list_filter_agrees_with_item_check(
            roles in proptest::collection::vec((0..3usize, any_customer_role()), 0..3),
            assigned in proptest::collection::vec((0..3usize, 0..4usize), 0..5),
            action_ix in 0..Action::ALL.len(),
            target in (0..3usize, 0..4usize),
        ) {
            let accounts = ["a0", "a1", "a2"];
            let memberships = one_role_per_account(&accounts, roles);
            let mut who = customer(&memberships);
            let location = |a: usize, l: usize| format!("{}-l{l}", accounts[a]);
            who.assigned_stock_locations = assigned.into_iter().map(|(a, l)| (accounts[a].to_owned(), location(a, l))).collect();
            let action = Action::ALL[action_ix];
            let (ta, tl) = target;
            let listed = stock_scope(&who, action).is_some_and(|s| s.admits(accounts[ta], &location(ta, tl)));
            let allowed = decide_stock(&who, action, accounts[ta], &location(ta, tl)) == Decision::Allow;
            prop_assert_eq!(listed, allowed);
        }

        /// For dispatches too: dealers, technicians and other staff alike.
        #[test]
        fn dispatch_list_filter_agrees_with_item_check(
            caller in 0..(StaffRole::ALL.len() + 3),
            action_ix in 0..Action::ALL.len(),
            dealer in proptest::option::of(proptest::sample::select(&["d0", "d1"][..])),
            technician in proptest::option::of(proptest::sample::select(&["s", "t"][..])),
        ) {
            let who = match caller.checked_sub(StaffRole::ALL.len()) {
                None => staff(StaffRole::ALL[caller]),
                Some(0) => customer(&[("a0", CustomerRole::Administrator)]),
                Some(n) => Principal {
                    dealer: Some(DealerMembership {
                        dealer_id: "d0".into(),
                        role: if n == 1 { DealerRole::DealerAdmin } else { DealerRole::DealerTechnician },
                    }),
                    ..customer(&[])
                },
            };
            let action = Action::ALL[action_ix];
            let listed = dispatch_scope(&who, action).is_some_and(|s| s.admits(dealer, technician));
            let allowed = decide_dispatch(&who, action, dealer, technician) == Decision::Allow;
            prop_assert_eq!(listed, allowed);
        }

        /// The list filter and the single-object check agree for every caller, action and account.
        #[test]
        fn list_filter_agrees_with_item_check(
            roles in proptest::collection::vec((0..4usize, any_customer_role()), 0..4),
            action_ix in 0..Action::ALL.len(),
            target in 0..5usize,
        ) {
            let accounts = ["a0", "a1", "a2", "a3", "a4"];
            let memberships = one_role_per_account(&accounts, roles);
            let who = customer(&memberships);
            let action = Action::ALL[action_ix];
            let listed = account_scope(&who, action).is_some_and(|s| s.admits(accounts[target]));
            let allowed = decide(&who, action, Some(accounts[target])) == Decision::Allow;
            prop_assert_eq!(listed, allowed);
        }
    }
}
