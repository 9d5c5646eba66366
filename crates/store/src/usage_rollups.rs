//! Usage rolled up per resource and complete day (and month), and the sums reports read
//! from them.

use crate::{Store, StoreError, on_pool};

/// One resource's usage over one day (or month): what reports sum and exports write.
#[derive(Debug, Clone, Default, PartialEq, sqlx::FromRow)]
pub struct UsageRow {
    /// `YYYY-MM-DD` (or `YYYY-MM` for a month).
    pub period: String,
    pub resource: String,
    /// The owner's email, or `(none)`.
    pub owner: String,
    pub template: String,
    pub schedule: String,
    #[sqlx(flatten)]
    pub sums: UsageSums,
}

/// Seconds and money, as summed over rows.
#[derive(Debug, Clone, Copy, Default, PartialEq, sqlx::FromRow)]
pub struct UsageSums {
    pub running_seconds: i64,
    /// While it existed (the always-on baseline).
    pub existing_seconds: i64,
    /// While its schedule asked for it to run.
    pub planned_seconds: i64,
    /// Running while its schedule asked for it to be stopped.
    pub unplanned_seconds: i64,
    pub cost: f64,
    /// What the time it did not run would have cost.
    pub saved_cost: f64,
    pub unplanned_cost: f64,
}

impl UsageSums {
    pub fn add(&mut self, o: &UsageSums) {
        self.running_seconds += o.running_seconds;
        self.existing_seconds += o.existing_seconds;
        self.planned_seconds += o.planned_seconds;
        self.unplanned_seconds += o.unplanned_seconds;
        self.cost += o.cost;
        self.saved_cost += o.saved_cost;
        self.unplanned_cost += o.unplanned_cost;
    }
}

/// What a report groups rows by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum GroupBy {
    Resource,
    Owner,
    Template,
    Schedule,
    Day,
    /// The owner's groups: rows are by owner here, and reports spread them over groups.
    Group,
}

impl GroupBy {
    pub const ALL: [GroupBy; 6] = [
        GroupBy::Resource,
        GroupBy::Owner,
        GroupBy::Template,
        GroupBy::Schedule,
        GroupBy::Day,
        GroupBy::Group,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            GroupBy::Resource => "resource",
            GroupBy::Owner => "owner",
            GroupBy::Template => "template",
            GroupBy::Schedule => "schedule",
            GroupBy::Day => "day",
            GroupBy::Group => "group",
        }
    }

    pub fn parse(s: &str) -> Option<GroupBy> {
        GroupBy::ALL.into_iter().find(|g| g.as_str() == s)
    }

    /// The row's key under this grouping.
    pub fn key_of(self, row: &UsageRow) -> &str {
        match self {
            GroupBy::Resource => &row.resource,
            GroupBy::Owner | GroupBy::Group => &row.owner,
            GroupBy::Template => &row.template,
            GroupBy::Schedule => &row.schedule,
            GroupBy::Day => &row.period,
        }
    }
}

/// The summed columns of every usage table, in their order.
macro_rules! sum_columns {
    () => {
        "running_seconds, existing_seconds, planned_seconds, unplanned_seconds, \
         cost, saved_cost, unplanned_cost"
    };
}

/// The sums of those columns over a group, as the tables hold them.
macro_rules! summed {
    () => {
        "CAST(SUM(running_seconds) AS BIGINT), CAST(SUM(existing_seconds) AS BIGINT), \
         CAST(SUM(planned_seconds) AS BIGINT), CAST(SUM(unplanned_seconds) AS BIGINT), \
         SUM(cost), SUM(saved_cost), SUM(unplanned_cost)"
    };
}

/// An upsert's update of those columns to the values it was given.
macro_rules! updated {
    () => {
        "running_seconds = excluded.running_seconds, \
         existing_seconds = excluded.existing_seconds, \
         planned_seconds = excluded.planned_seconds, \
         unplanned_seconds = excluded.unplanned_seconds, cost = excluded.cost, \
         saved_cost = excluded.saved_cost, unplanned_cost = excluded.unplanned_cost"
    };
}

/// The sums of one table's rows in a period range, grouped by one column (a macro, so
/// that every query stays a static string). `$4` is an owner to keep to, or NULL.
macro_rules! sums {
    ($table:literal, $period:literal, $key:literal) => {
        concat!(
            "SELECT ",
            $key,
            ", ",
            summed!(),
            " FROM ",
            $table,
            " WHERE zone = $1 AND ",
            $period,
            " >= $2 AND ",
            $period,
            " <= $3 AND ($4 IS NULL OR owner = $4) GROUP BY ",
            $key
        )
    };
}

macro_rules! sums_of {
    ($table:literal, $period:literal, $group:expr) => {
        match $group {
            GroupBy::Resource => sums!($table, $period, "resource"),
            GroupBy::Owner | GroupBy::Group => sums!($table, $period, "owner"),
            GroupBy::Template => sums!($table, $period, "template"),
            GroupBy::Schedule => sums!($table, $period, "schedule"),
            GroupBy::Day => sums!($table, $period, $period),
        }
    };
}

type SumsRow = (String, i64, i64, i64, i64, f64, f64, f64);

fn sums_of_row((key, r, e, p, u, c, s, uc): SumsRow) -> (String, UsageSums) {
    (
        key,
        UsageSums {
            running_seconds: r,
            existing_seconds: e,
            planned_seconds: p,
            unplanned_seconds: u,
            cost: c,
            saved_cost: s,
            unplanned_cost: uc,
        },
    )
}

/// Where sums come from: whole months or days.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Rollup {
    Days,
    Months,
}

impl Store {
    /// The earliest instant usage knows of: the first running interval, instance or
    /// resource seen (rollups start on its day).
    pub async fn usage_first_at(&self) -> Result<Option<jiff::Timestamp>, StoreError> {
        let row: (Option<i64>,) = on_pool!(self, |p| sqlx::query_as(
            "SELECT MIN(t) FROM (SELECT MIN(started_at) AS t FROM running_intervals \
             UNION ALL SELECT MIN(created_at) FROM instances \
             UNION ALL SELECT MIN(first_seen) FROM inventory) AS firsts"
        )
        .fetch_one(p)
        .await)?;
        row.0.map(crate::time::from_ms).transpose()
    }

    /// The last complete day rolled up in `zone`, if any.
    pub async fn usage_rolled_through(&self, zone: &str) -> Result<Option<String>, StoreError> {
        let row: Option<(String,)> = on_pool!(self, |p| sqlx::query_as(
            "SELECT through FROM usage_rollups WHERE zone = $1"
        )
        .bind(zone)
        .fetch_optional(p)
        .await)?;
        Ok(row.map(|(t,)| t))
    }

    /// Stores one day's rows and moves the zone's mark to that day, in one transaction.
    /// Rows already there stay (another replica rolled the same day up first).
    pub async fn save_usage_day(
        &self,
        zone: &str,
        day: &str,
        rows: &[UsageRow],
    ) -> Result<(), StoreError> {
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            for chunk in rows.chunks(ROWS_PER_STATEMENT) {
                let mut q = sqlx::QueryBuilder::new(concat!(
                    "INSERT INTO usage_days (zone, day, resource, owner, template, schedule, ",
                    sum_columns!(),
                    ") "
                ));
                q.push_values(chunk, |mut b, r| {
                    b.push_bind(zone)
                        .push_bind(day)
                        .push_bind(&r.resource)
                        .push_bind(&r.owner)
                        .push_bind(&r.template)
                        .push_bind(&r.schedule)
                        .push_bind(r.sums.running_seconds)
                        .push_bind(r.sums.existing_seconds)
                        .push_bind(r.sums.planned_seconds)
                        .push_bind(r.sums.unplanned_seconds)
                        .push_bind(r.sums.cost)
                        .push_bind(r.sums.saved_cost)
                        .push_bind(r.sums.unplanned_cost);
                });
                q.push(" ON CONFLICT (zone, day, resource) DO NOTHING");
                q.build().execute(&mut *tx).await?;
            }
            // The totals are summed again from every row of the day now there, so a
            // replica that rolled the same day up at once leaves them matching the rows.
            sqlx::query(concat!(
                "INSERT INTO usage_day_totals (zone, day, owner, template, schedule, ",
                sum_columns!(),
                ") SELECT zone, day, owner, template, schedule, ",
                summed!(),
                " FROM usage_days WHERE zone = $1 AND day = $2 \
                 GROUP BY zone, day, owner, template, schedule \
                 ON CONFLICT (zone, day, owner, template, schedule) DO UPDATE SET ",
                updated!()
            ))
            .bind(zone)
            .bind(day)
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO usage_rollups (zone, through) VALUES ($1, $2) \
                 ON CONFLICT (zone) DO UPDATE SET through = excluded.through \
                 WHERE usage_rollups.through < excluded.through",
            )
            .bind(zone)
            .bind(day)
            .execute(&mut *tx)
            .await?;
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sums a complete month's day rows into month rows (`month` is `YYYY-MM`), and its
    /// day totals into month totals, in one transaction.
    pub async fn save_usage_month(&self, zone: &str, month: &str) -> Result<(), StoreError> {
        let (first, last) = (format!("{month}-01"), format!("{month}-31"));
        on_pool!(self, |p| {
            let mut tx = p.begin().await?;
            // Both read the month's days: rows per resource, and totals.
            for sql in [
                concat!(
                    "INSERT INTO usage_months (zone, month, resource, owner, template, schedule, ",
                    sum_columns!(),
                    ") SELECT zone, $2, resource, MAX(owner), MAX(template), MAX(schedule), ",
                    summed!(),
                    " FROM usage_days WHERE zone = $1 AND day >= $3 AND day <= $4 \
                     GROUP BY zone, resource \
                     ON CONFLICT (zone, month, resource) DO NOTHING"
                ),
                concat!(
                    "INSERT INTO usage_month_totals (zone, month, owner, template, schedule, ",
                    sum_columns!(),
                    ") SELECT zone, $2, owner, template, schedule, ",
                    summed!(),
                    " FROM usage_day_totals WHERE zone = $1 AND day >= $3 AND day <= $4 \
                     GROUP BY zone, owner, template, schedule \
                     ON CONFLICT (zone, month, owner, template, schedule) DO UPDATE SET ",
                    updated!()
                ),
            ] {
                sqlx::query(sql)
                    .bind(zone)
                    .bind(month)
                    .bind(&first)
                    .bind(&last)
                    .execute(&mut *tx)
                    .await?;
            }
            tx.commit().await?;
        });
        Ok(())
    }

    /// Sums of rolled-up rows with `first <= period <= last` (days or months as `from`
    /// says), grouped, optionally of one owner only.
    pub async fn usage_sums(
        &self,
        from: Rollup,
        group: GroupBy,
        zone: &str,
        first: &str,
        last: &str,
        owner: Option<&str>,
    ) -> Result<Vec<(String, UsageSums)>, StoreError> {
        // Only a report per resource needs the rows per resource; the others sum the
        // totals, a few rows a day.
        let sql = match (from, group) {
            (Rollup::Days, GroupBy::Resource) => sums_of!("usage_days", "day", group),
            (Rollup::Months, GroupBy::Resource) => sums_of!("usage_months", "month", group),
            (Rollup::Days, _) => sums_of!("usage_day_totals", "day", group),
            (Rollup::Months, _) => sums_of!("usage_month_totals", "month", group),
        };
        let rows: Vec<SumsRow> = on_pool!(self, |p| sqlx::query_as(sql)
            .bind(zone)
            .bind(first)
            .bind(last)
            .bind(owner)
            .fetch_all(p)
            .await)?;
        Ok(rows.into_iter().map(sums_of_row).collect())
    }

    /// The day rows of `zone` with `first <= day <= last`, by day then resource (exports).
    pub async fn usage_days(
        &self,
        zone: &str,
        first: &str,
        last: &str,
    ) -> Result<Vec<UsageRow>, StoreError> {
        let rows: Vec<UsageRow> = on_pool!(self, |p| sqlx::query_as(
            "SELECT day AS period, resource, owner, template, schedule, running_seconds, \
             existing_seconds, planned_seconds, unplanned_seconds, cost, saved_cost, \
             unplanned_cost FROM usage_days WHERE zone = $1 AND day >= $2 AND day <= $3 \
             ORDER BY day, resource"
        )
        .bind(zone)
        .bind(first)
        .bind(last)
        .fetch_all(p)
        .await)?;
        Ok(rows)
    }
}

/// 13 parameters a row.
const ROWS_PER_STATEMENT: usize = 500;
