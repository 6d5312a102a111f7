//! API clients: partner systems that act through OAuth 2.0 client credentials. A client
//! belongs to an account, a dealer or the manufacturer; it acts with its creator's *current*
//! role there, narrowed to its owner and its scopes — so a creator removed or demoted ends
//! or narrows every client they made.

use crate::identity::Principal;
use crate::policy::{self, Action, Decision, Role};

crate::label!(
    /// What an API client may do, by area and verb. An action needs its area's scope, and the
    /// caller's role must allow it as well.
    pub enum Scope as "Scope", "scope" {
        AccountsRead = "accounts:read",
        AccountsWrite = "accounts:write",
        MembersRead = "members:read",
        MembersWrite = "members:write",
        DevicesRead = "devices:read",
        DevicesWrite = "devices:write",
        ReadingsRead = "readings:read",
        ReadingsWrite = "readings:write",
        CasesRead = "cases:read",
        CasesWrite = "cases:write",
        StockRead = "stock:read",
        StockWrite = "stock:write",
        KnowledgeRead = "knowledge:read",
        KnowledgeWrite = "knowledge:write",
        DealersRead = "dealers:read",
        DealersWrite = "dealers:write",
        CallsRead = "calls:read",
        CallsWrite = "calls:write",
        DispatchesRead = "dispatches:read",
        DispatchesWrite = "dispatches:write",
        ClaimsRead = "claims:read",
        ClaimsWrite = "claims:write",
        EventsRead = "events:read",
        WebhooksManage = "webhooks:manage",
    }
);

impl Action {
    /// The scope an API client needs for this action; `None` for what only a person may do
    /// (managing API clients themselves).
    pub fn scope(self) -> Option<Scope> {
        use Action::*;
        use Scope::*;
        Some(match self {
            ReadAccount | ReadCreditData | ReadSites | ReadServiceContract => AccountsRead,
            CreateAccount | UpdateAccount | EditAccountDetails | EditServiceContract => {
                AccountsWrite
            }
            ListMembers | ListJoinRequests => MembersRead,
            ManageMembers
            | InviteMembers
            | DecideJoinRequests
            | CorrectUserEmail
            | ResendUserConfirmation
            | AssignDevices
            | AssignStockLocations => MembersWrite,
            ReadDevices => DevicesRead,
            CreateDevice | UpdateDeviceLocation | RequestDeviceRemoval | RemoveDevice
            | ManageDeviceModels => DevicesWrite,
            ReadReadings | ExportUsage => ReadingsRead,
            SubmitReading | CorrectReadings | ReviewFlaggedReadings => ReadingsWrite,
            ReadCases | ReadCaseHistory => CasesRead,
            OpenCase | CommentOnCase | WriteInternalNote | MoveCase | AssignTechnician => {
                CasesWrite
            }
            ReadStock => StockRead,
            CreateStockLocation
            | EditStock
            | LinkStockDevices
            | ManageDeviceCredentials
            | ShipOrders => StockWrite,
            ReadKnowledge => KnowledgeRead,
            WriteKnowledge => KnowledgeWrite,
            ReadDealers | ReadRegistrations => DealersRead,
            ManageDealers | ManageDealerUsers | RegisterSerials => DealersWrite,
            ReadCalls => CallsRead,
            WorkCalls | ManageRemedies => CallsWrite,
            ReadDispatches => DispatchesRead,
            CreateDispatch | WorkDispatches | DecideLabour => DispatchesWrite,
            ReadClaims => ClaimsRead,
            SubmitClaims | DecideClaims => ClaimsWrite,
            ReadEvents => EventsRead,
            ManageWebhooks => WebhooksManage,
            ManageApiClients => return None,
        })
    }
}

/// Whose an API client is: it acts for that organisation only.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ClientOwner {
    Account(String),
    Dealer(String),
    /// The manufacturer's own systems (created by customer service).
    Manufacturer,
}

impl ClientOwner {
    /// The owner of an object that names an account or a dealer (or neither).
    pub fn of(account_id: Option<&str>, dealer_id: Option<&str>) -> Self {
        match (account_id, dealer_id) {
            (Some(a), _) => ClientOwner::Account(a.to_owned()),
            (None, Some(d)) => ClientOwner::Dealer(d.to_owned()),
            (None, None) => ClientOwner::Manufacturer,
        }
    }
}

/// May `who` take `action` (managing API clients or webhooks) on an object that `owner`
/// owns? Staff by their role; an account's or a dealer's users for their own organisation
/// only; another organisation's object, and the manufacturer's, do not exist for them.
pub fn decide_owned(who: &Principal, action: Action, owner: &ClientOwner) -> Decision {
    if who.staff_role.is_some() {
        return policy::decide(who, action, None);
    }
    match owner {
        ClientOwner::Account(a) if who.role_in(a).is_some() => policy::decide(who, action, Some(a)),
        ClientOwner::Dealer(d) if who.dealer.as_ref().is_some_and(|x| &x.dealer_id == d) => {
            policy::decide_dealer(who, action, Some(d))
        }
        _ => Decision::NotFound,
    }
}

/// Whose objects a list for `action` shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OwnerScope {
    All,
    Accounts(Vec<String>),
    Dealer(String),
}

/// The list filter for `action` (managing API clients or webhooks), or `None` when the
/// caller may not list at all (403).
pub fn owner_scope(who: &Principal, action: Action) -> Option<OwnerScope> {
    if who.staff_role.is_some() || who.dealer.is_some() {
        let dealer = who.dealer.as_ref().map(|d| d.dealer_id.clone());
        let owner = dealer
            .clone()
            .map_or(ClientOwner::Manufacturer, ClientOwner::Dealer);
        return (decide_owned(who, action, &owner) == Decision::Allow)
            .then(|| dealer.map_or(OwnerScope::All, OwnerScope::Dealer));
    }
    let accounts: Vec<String> = who
        .memberships
        .iter()
        .filter(|m| {
            decide_owned(who, action, &ClientOwner::Account(m.account_id.clone()))
                == Decision::Allow
        })
        .map(|m| m.account_id.clone())
        .collect();
    (!accounts.is_empty()).then_some(OwnerScope::Accounts(accounts))
}

/// The scopes that grant `role` anything: those of the actions it may take.
pub fn useful_scopes(role: Role) -> Vec<Scope> {
    Scope::ALL
        .iter()
        .copied()
        .filter(|s| {
            Action::ALL
                .iter()
                .any(|a| a.scope() == Some(*s) && policy::may(role, *a))
        })
        .collect()
}

/// The caller an API client (or a webhook) is right now: its creator's current principal
/// narrowed to its owner, acting under `acting_id` (an API client's own id, so that everything
/// it does is recorded as done by the client) and limited to `scopes` (`None`: the role
/// alone). `None` when the creator no longer holds a role for the owner: the client is ended.
pub fn narrow(
    creator: Principal,
    acting_id: &str,
    owner: &ClientOwner,
    scopes: Option<Vec<Scope>>,
) -> Option<Principal> {
    let mut who = Principal {
        user_id: acting_id.to_owned(),
        staff_role: None,
        dealer: None,
        memberships: Vec::new(),
        assigned_devices: Vec::new(),
        assigned_stock_locations: Vec::new(),
        scopes,
    };
    match owner {
        ClientOwner::Manufacturer => who.staff_role = Some(creator.staff_role?),
        ClientOwner::Dealer(dealer_id) => {
            who.dealer = Some(creator.dealer.filter(|d| &d.dealer_id == dealer_id)?);
        }
        ClientOwner::Account(account_id) => {
            let in_account = |(a, _): &(String, String)| a == account_id;
            who.memberships = creator
                .memberships
                .into_iter()
                .filter(|m| &m.account_id == account_id)
                .collect();
            if who.memberships.is_empty() {
                return None;
            }
            who.assigned_devices = creator
                .assigned_devices
                .into_iter()
                .filter(in_account)
                .collect();
            who.assigned_stock_locations = creator
                .assigned_stock_locations
                .into_iter()
                .filter(in_account)
                .collect();
        }
    }
    Some(who)
}

/// The scopes of `requested` that `granted` holds, or the unknown and ungranted names.
pub fn requested_scopes(requested: &str, granted: &[Scope]) -> Result<Vec<Scope>, Vec<String>> {
    let mut scopes = Vec::new();
    let mut refused = Vec::new();
    for name in requested.split(' ').filter(|s| !s.is_empty()) {
        match Scope::parse(name).filter(|s| granted.contains(s)) {
            Some(s) if !scopes.contains(&s) => scopes.push(s),
            Some(_) => {}
            None => refused.push(name.to_owned()),
        }
    }
    if refused.is_empty() {
        Ok(scopes)
    } else {
        Err(refused)
    }
}

/// Scopes as the space-separated list OAuth writes them in (`scope`).
pub fn scope_list(scopes: &[Scope]) -> String {
    scopes
        .iter()
        .map(|s| s.as_str())
        .collect::<Vec<_>>()
        .join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::identity::{CustomerRole, DealerMembership, DealerRole, Membership, StaffRole};
    use crate::policy::{Decision, Role, decide, decide_dealer, may};
    use proptest::prelude::*;

    fn person() -> Principal {
        Principal {
            user_id: "creator".into(),
            staff_role: None,
            dealer: None,
            memberships: vec![
                Membership {
                    account_id: "a".into(),
                    role: CustomerRole::Administrator,
                },
                Membership {
                    account_id: "b".into(),
                    role: CustomerRole::DeviceManager,
                },
            ],
            assigned_devices: vec![("b".into(), "d1".into())],
            assigned_stock_locations: vec![],
            scopes: None,
        }
    }

    #[test]
    fn every_action_but_managing_clients_has_a_scope() {
        for action in Action::ALL {
            assert_eq!(
                action.scope().is_none(),
                *action == Action::ManageApiClients,
                "{action:?}"
            );
        }
        // Every scope is needed by some action.
        for scope in Scope::ALL {
            assert!(
                Action::ALL.iter().any(|a| a.scope() == Some(*scope)),
                "{scope}"
            );
        }
    }

    #[test]
    fn a_client_keeps_only_its_owners_role_and_ends_without_it() {
        let all = Some(Scope::ALL.to_vec());
        let client = narrow(
            person(),
            "k",
            &ClientOwner::Account("b".into()),
            all.clone(),
        )
        .unwrap();
        assert_eq!(client.user_id, "k");
        assert_eq!(client.role_in("a"), None);
        assert_eq!(client.role_in("b"), Some(CustomerRole::DeviceManager));
        assert_eq!(client.assigned_devices, vec![("b".into(), "d1".into())]);
        assert_eq!(
            narrow(
                person(),
                "k",
                &ClientOwner::Account("c".into()),
                all.clone()
            ),
            None
        );
        assert_eq!(
            narrow(person(), "k", &ClientOwner::Manufacturer, all.clone()),
            None
        );
        assert_eq!(
            narrow(person(), "k", &ClientOwner::Dealer("x".into()), all.clone()),
            None
        );
        let mut dealer = person();
        dealer.dealer = Some(DealerMembership {
            dealer_id: "x".into(),
            role: DealerRole::DealerAdmin,
        });
        let client = narrow(dealer.clone(), "k", &ClientOwner::Dealer("x".into()), all).unwrap();
        assert!(client.memberships.is_empty());
        assert_eq!(
            decide_dealer(&client, Action::WorkDispatches, Some("x")),
            Decision::Allow
        );
        let only_read = vec![Scope::DispatchesRead];
        let client = narrow(
            dealer,
            "k",
            &ClientOwner::Dealer("x".into()),
            Some(only_read),
        )
        .unwrap();
        assert_eq!(
            decide_dealer(&client, Action::WorkDispatches, Some("x")),
            Decision::Forbidden
        );
        assert_eq!(
            decide_dealer(&client, Action::ReadDispatches, Some("x")),
            Decision::Allow
        );
    }

    #[test]
    fn requested_scopes_must_be_granted_and_known() {
        let granted = [Scope::EventsRead, Scope::DispatchesRead];
        assert_eq!(
            requested_scopes("events:read  events:read", &granted),
            Ok(vec![Scope::EventsRead])
        );
        assert_eq!(
            requested_scopes("events:read cases:read nonsense", &granted),
            Err(vec!["cases:read".to_owned(), "nonsense".to_owned()])
        );
        assert_eq!(scope_list(&granted), "events:read dispatches:read");
    }

    fn any_role() -> impl Strategy<Value = Role> {
        prop_oneof![
            proptest::sample::select(StaffRole::ALL).prop_map(Role::Staff),
            proptest::sample::select(CustomerRole::ALL).prop_map(Role::Customer),
            proptest::sample::select(DealerRole::ALL).prop_map(Role::Dealer),
        ]
    }

    proptest! {
        /// A client may do an action exactly when its scopes hold the action's scope and its
        /// creator may do it; never more than its creator.
        #[test]
        fn a_client_may_what_both_its_scopes_and_its_creator_may(
            role in any_role(),
            scopes in proptest::sample::subsequence(Scope::ALL.to_vec(), 0..Scope::ALL.len()),
        ) {
            let mut creator = Principal {
                user_id: "creator".into(),
                staff_role: None,
                dealer: None,
                memberships: vec![],
                assigned_devices: vec![],
                assigned_stock_locations: vec![],
                scopes: None,
            };
            let owner = match role {
                Role::Staff(r) => { creator.staff_role = Some(r); ClientOwner::Manufacturer }
                Role::Dealer(r) => {
                    creator.dealer = Some(DealerMembership { dealer_id: "x".into(), role: r });
                    ClientOwner::Dealer("x".into())
                }
                Role::Customer(r) => {
                    creator.memberships = vec![Membership { account_id: "a".into(), role: r }];
                    ClientOwner::Account("a".into())
                }
            };
            let client = narrow(creator.clone(), "k", &owner, Some(scopes.clone())).unwrap();
            for action in Action::ALL {
                let (person, machine) = match role {
                    Role::Dealer(_) => (
                        decide_dealer(&creator, *action, Some("x")),
                        decide_dealer(&client, *action, Some("x")),
                    ),
                    _ => (
                        decide(&creator, *action, Some("a")),
                        decide(&client, *action, Some("a")),
                    ),
                };
                let scoped = action.scope().is_some_and(|s| scopes.contains(&s));
                prop_assert_eq!(person == Decision::Allow, may(role, *action));
                prop_assert_eq!(machine == Decision::Allow, scoped && may(role, *action), "{:?}", action);
            }
        }
    }
}
