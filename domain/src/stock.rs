//! Consumable stock: what a stock level holds, how receipts and consumption move it (never
//! below zero), and when a device's reported supply level asks for replenishment.

use serde::{Deserialize, Serialize};

use crate::Invalid;
use crate::Message;

/// The most units of one consumable a location counts.
pub const MAX_UNITS: i32 = 1_000_000;

/// A consumable's part number: trimmed, upper case, 1 to 40 of A-Z, 0-9, `-`, `.` and `/`.
pub fn parse_part_number(raw: &str) -> Result<String, Invalid> {
    let p = raw.trim().to_uppercase();
    let ok = !p.is_empty()
        && p.len() <= 40
        && p.chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '/'));
    if ok {
        Ok(p)
    } else {
        Err(Invalid::new(
            "part_number",
            Message::new("invalid-must-1-40-z-0-9"),
        ))
    }
}

fn units(field: &'static str, value: i64, min: i64) -> Result<i32, Invalid> {
    if value < min || value > i64::from(MAX_UNITS) {
        return Err(Invalid::new(
            field,
            Message::new("invalid-range-between")
                .with("min", min)
                .with("max", MAX_UNITS),
        ));
    }
    i32::try_from(value).map_err(|_| Invalid::new(field, Message::new("invalid-out-range")))
}

/// How a location keeps one consumable.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StockLevelSpec {
    pub description: String,
    pub on_hand: i32,
    /// At or below this, the stock status says reorder.
    pub reorder_point: i32,
    /// A linked device reporting this consumable below this percentage raises an order.
    pub supply_threshold_percent: i32,
    /// How many units a replenishment order asks for.
    pub order_quantity: i32,
}

impl StockLevelSpec {
    pub fn parse(
        description: &str,
        on_hand: i64,
        reorder_point: i64,
        supply_threshold_percent: i64,
        order_quantity: i64,
    ) -> Result<Self, Invalid> {
        let description = crate::accounts::parse_name("description", description, 200)?;
        if !(1..=99).contains(&supply_threshold_percent) {
            return Err(Invalid::new(
                "supply_threshold_percent",
                Message::new("invalid-must-1-99"),
            ));
        }
        Ok(Self {
            description,
            on_hand: units("on_hand", on_hand, 0)?,
            reorder_point: units("reorder_point", reorder_point, 0)?,
            supply_threshold_percent: units(
                "supply_threshold_percent",
                supply_threshold_percent,
                1,
            )?,
            order_quantity: units("order_quantity", order_quantity, 1)?,
        })
    }
}

/// A quantity received or used: 1 to `MAX_UNITS`.
pub fn parse_quantity(value: i64) -> Result<i32, Invalid> {
    units("quantity", value, 1)
}

/// Why stock cannot move as asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum StockError {
    #[error("only {on_hand} on hand")]
    NotEnough { on_hand: i32 },
    #[error("more than {MAX_UNITS} would be on hand")]
    TooMany,
}

impl StockError {
    /// The refusal as a person reads it.
    pub fn message(&self) -> Message {
        match self {
            StockError::NotEnough { on_hand } => {
                Message::new("invalid-stock-not-enough").with("on_hand", on_hand)
            }
            StockError::TooMany => Message::new("invalid-stock-too-many").with("max", MAX_UNITS),
        }
    }
}

/// Stock after using `quantity`: never below zero.
pub fn consume(on_hand: i32, quantity: i32) -> Result<i32, StockError> {
    if quantity > on_hand {
        return Err(StockError::NotEnough { on_hand });
    }
    Ok(on_hand - quantity)
}

/// Stock after receiving `quantity`.
pub fn receive(on_hand: i32, quantity: i32) -> Result<i32, StockError> {
    on_hand
        .checked_add(quantity)
        .filter(|n| *n <= MAX_UNITS)
        .ok_or(StockError::TooMany)
}

/// Reorder when the stock on hand is at or below the reorder point.
pub fn needs_reorder(on_hand: i32, reorder_point: i32) -> bool {
    on_hand <= reorder_point
}

/// One consumable's level as a device reports it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SupplyLevel {
    pub part_number: String,
    pub level_percent: i32,
}

impl SupplyLevel {
    pub fn parse(part_number: &str, level_percent: i64) -> Result<Self, Invalid> {
        if !(0..=100).contains(&level_percent) {
            return Err(Invalid::new(
                "level_percent",
                Message::new("invalid-must-0-100"),
            ));
        }
        Ok(Self {
            part_number: parse_part_number(part_number)?,
            level_percent: i32::try_from(level_percent)
                .map_err(|_| Invalid::new("level_percent", Message::new("invalid-must-0-100")))?,
        })
    }

    /// A level under the consumable's threshold asks for replenishment.
    pub fn below(&self, threshold_percent: i32) -> bool {
        self.level_percent < threshold_percent
    }
}

/// At most this many consumables in one supply-level report.
pub const MAX_SUPPLIES_PER_REPORT: usize = 20;

/// A device's report of its supply levels: 1 to 20 consumables, each named once; sorted by
/// part number.
pub fn supply_report(mut supplies: Vec<SupplyLevel>) -> Result<Vec<SupplyLevel>, Invalid> {
    if supplies.is_empty() || supplies.len() > MAX_SUPPLIES_PER_REPORT {
        return Err(Invalid::new(
            "supplies",
            Message::new("invalid-supplies-count").with("max", MAX_SUPPLIES_PER_REPORT),
        ));
    }
    supplies.sort_by(|a, b| a.part_number.cmp(&b.part_number));
    if supplies
        .windows(2)
        .any(|w| w[0].part_number == w[1].part_number)
    {
        return Err(Invalid::new(
            "supplies",
            Message::new("invalid-must-name-each-consumable-once"),
        ));
    }
    Ok(supplies)
}

/// What one reported level did to replenishment.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Replenishment {
    /// An order was raised now.
    Ordered {
        order_id: String,
    },
    /// An order for the consumable was open already (the one, if it is still open).
    OrderOpen {
        order_id: Option<String>,
    },
    AboveThreshold,
    /// The linked stock location does not keep the consumable.
    NotStocked,
    /// The device replenishes from no stock location.
    NotLinked,
}

impl Replenishment {
    pub fn code(&self) -> &'static str {
        match self {
            Replenishment::Ordered { .. } => "ordered",
            Replenishment::OrderOpen { .. } => "order_open",
            Replenishment::AboveThreshold => "above_threshold",
            Replenishment::NotStocked => "not_stocked",
            Replenishment::NotLinked => "not_linked",
        }
    }

    pub fn order_id(&self) -> Option<&str> {
        match self {
            Replenishment::Ordered { order_id } => Some(order_id),
            Replenishment::OrderOpen { order_id } => order_id.as_deref(),
            _ => None,
        }
    }
}

crate::label!(
    /// Where a replenishment order stands: open, shipped (carrier and tracking number known),
/// received into stock, or cancelled while open.
    pub enum OrderStatus as "OrderStatus", "order status" {
        Open = "open",
        Shipped = "shipped",
        Received = "received",
        Cancelled = "cancelled",
    }
);

impl OrderStatus {
    /// Still on its way: no second order for the same consumable is placed meanwhile.
    pub fn outstanding(self) -> bool {
        matches!(self, OrderStatus::Open | OrderStatus::Shipped)
    }
}

crate::label!(
    /// What moved stock: goods received, consumables used, or a count that set the level.
    pub enum MovementKind as "MovementKind", "movement kind" {
        Receipt = "receipt",
        Consumption = "consumption",
        Count = "count",
    }
);

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn a_report_names_one_to_twenty_consumables_once() {
        let level = |part: &str| SupplyLevel::parse(part, 10).unwrap();
        assert!(supply_report(vec![]).is_err());
        assert!(supply_report(vec![level("TN-1"), level("tn-1")]).is_err());
        assert!(supply_report((0..21).map(|i| level(&format!("P-{i}"))).collect()).is_err());
        let sorted = supply_report(vec![level("TN-2"), level("TN-1")]).unwrap();
        assert_eq!(sorted[0].part_number, "TN-1");
    }

    #[test]
    fn part_numbers_are_normalised() {
        assert_eq!(parse_part_number(" tn-321k ").unwrap(), "TN-321K");
        assert!(parse_part_number("").is_err());
        assert!(parse_part_number("TN 321").is_err());
        assert!(parse_part_number(&"X".repeat(41)).is_err());
    }

    #[test]
    fn stock_levels_are_checked() {
        let ok = StockLevelSpec::parse("Black toner", 10, 4, 15, 6).unwrap();
        assert_eq!(ok.on_hand, 10);
        for (args, field) in [
            ((" ", 1, 1, 15, 1), "description"),
            (("T", -1, 1, 15, 1), "on_hand"),
            (("T", 1, -1, 15, 1), "reorder_point"),
            (("T", 1, 1, 0, 1), "supply_threshold_percent"),
            (("T", 1, 1, 100, 1), "supply_threshold_percent"),
            (("T", 1, 1, 15, 0), "order_quantity"),
            (("T", 1_000_001, 1, 15, 1), "on_hand"),
        ] {
            let (d, o, r, t, q) = args;
            assert_eq!(
                StockLevelSpec::parse(d, o, r, t, q).unwrap_err().field,
                field
            );
        }
    }

    #[test]
    fn supply_levels_below_the_threshold_ask_for_replenishment() {
        let low = SupplyLevel::parse("tn-1", 14).unwrap();
        assert!(low.below(15));
        assert!(!SupplyLevel::parse("TN-1", 15).unwrap().below(15));
        assert_eq!(
            SupplyLevel::parse("TN-1", 101).unwrap_err().field,
            "level_percent"
        );
        assert_eq!(
            SupplyLevel::parse("TN-1", -1).unwrap_err().field,
            "level_percent"
        );
    }

    proptest! {
        /// Consumption never takes stock below zero, and what it refuses leaves it as it was.
        #[test]
        fn consumption_never_goes_below_zero(on_hand in 0..=MAX_UNITS, quantity in 1..=MAX_UNITS) {
            match consume(on_hand, quantity) {
                Ok(after) => {
                    prop_assert!(after >= 0);
                    prop_assert_eq!(after + quantity, on_hand);
                }
                Err(StockError::NotEnough { on_hand: shown }) => {
                    prop_assert!(quantity > on_hand);
                    prop_assert_eq!(shown, on_hand);
                }
                Err(StockError::TooMany) => prop_assert!(false, "consumption never overflows"),
            }
        }

        /// Receiving then using the same quantity returns to the start.
        #[test]
        fn receipt_then_consumption_round_trips(on_hand in 0..=MAX_UNITS, quantity in 1..=MAX_UNITS) {
            match receive(on_hand, quantity) {
                Ok(after) => prop_assert_eq!(consume(after, quantity), Ok(on_hand)),
                Err(StockError::TooMany) => prop_assert!(on_hand + quantity > MAX_UNITS),
                Err(e) => prop_assert!(false, "{e}"),
            }
        }
    }
}
