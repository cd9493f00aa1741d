//! Budgets that stop spending: per job (default $3.00) and per provider per UTC day.
//!
//! The ledger keeps running totals of priced spend plus *reservations*: the estimated cost of
//! calls in flight. [`Budgeted`] (for all five provider traits, through core's
//! `for_each_provider_trait!`) estimates a call from its request (tokens, characters, images)
//! with the ledger's catalog, reserves it, and refuses with [`ErrorKind::BudgetExceeded`] when
//! spent + reserved + estimate would cross a cap, so no money is spent past it. With a cheaper
//! provider configured ([`Budgeted::degrade_to`]) it tries that one instead, and the answer
//! names it (`answered_by`, see [`ytempire_core::Provenance`]).
//!
//! Workers sharing one ledger share its budgets: before each admission the spend of the job
//! and of the provider's day is read from the store, so what other processes recorded counts.
//! On a PostgreSQL ledger ([`crate::CostLedger::connect_postgres`]) the estimates of calls in
//! flight are held on the server as well, and admissions to one budget take turns, so no two
//! workers can both take the last room under a cap; on a SQLite file each process counts only
//! its own calls in flight.
//!
//! Alerts fire once per scope at each threshold (50, 80 and 100 % by default; once across
//! every process sharing the ledger, which claims each alert in its store) through the
//! ledger's callback ([`crate::CostLedger::on_alert`]) and `tracing::warn!`. The spend of
//! today's provider budgets and of the job charged last is also kept in the
//! `ytempire_budget_spent_usd` and `ytempire_budget_used_ratio` gauges
//! ([`ytempire_core::telemetry`]).
//!
//! `Budgeted` does not record spend itself: put it outside the `Metered` layer that feeds the
//! same ledger (`Budgeted(Retry(Metered(client)))`), so every billed attempt lands in the ledger.
//!
//! ```no_run
//! use std::sync::Arc;
//! use ytempire_core::DynLanguageModel;
//! use ytempire_cost::{BudgetConfig, Budgeted, Catalog, CostLedger};
//!
//! fn guard(metered: DynLanguageModel, cheap: DynLanguageModel) -> ytempire_core::Result<()> {
//!     let ledger = Arc::new(
//!         CostLedger::open("costs.sqlite", Catalog::embedded()?)?
//!             .with_budgets(BudgetConfig::default().with_provider_day("openai", "20".parse().unwrap_or_default()))
//!             .on_alert(|alert| eprintln!("{alert}")),
//!     );
//!     let _llm = Budgeted::new(metered, ledger).degrade_to(cheap);
//!     Ok(())
//! }
//! ```

use async_trait::async_trait;
use chrono::Utc;
use rust_decimal::Decimal;
use std::collections::{HashMap, HashSet};
use std::fmt;
use std::sync::{Arc, Mutex, MutexGuard};
use ytempire_core::metering::current_labels;
use ytempire_core::{
    ChatRequest, ChatResponse, Error, ErrorKind, ImageRequest, ImageResponse, InputUnit,
    ProviderInfo, Result, Speech, SpeechRequest, TrendRequest, TrendResponse, UploadReceipt,
    UploadRequest, Usage,
};

use crate::catalog::Cost;
use crate::ledger::{CostLedger, LedgerEntry};

/// Budget limits and alert thresholds.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct BudgetConfig {
    /// Cap per job (video), USD. Default $3.00.
    pub per_job: Option<Decimal>,
    /// Cap per provider per UTC day, USD.
    pub per_provider_day: HashMap<String, Decimal>,
    /// Alert thresholds in percent of a cap. Default 50, 80, 100.
    pub thresholds: Vec<u8>,
    /// Refuse paid calls the catalog cannot price (default true).
    pub refuse_unpriced: bool,
}

impl Default for BudgetConfig {
    fn default() -> Self {
        Self {
            per_job: Some(Decimal::new(300, 2)),
            per_provider_day: HashMap::new(),
            thresholds: vec![50, 80, 100],
            refuse_unpriced: true,
        }
    }
}

impl BudgetConfig {
    /// Set the per-job cap (`None`: unlimited).
    #[must_use]
    pub fn with_per_job(mut self, cap: Option<Decimal>) -> Self {
        self.per_job = cap;
        self
    }

    /// Cap one provider's spend per UTC day.
    #[must_use]
    pub fn with_provider_day(mut self, provider: impl Into<String>, cap: Decimal) -> Self {
        self.per_provider_day.insert(provider.into(), cap);
        self
    }

    /// Whether unpriced paid calls are refused.
    #[must_use]
    pub fn with_refuse_unpriced(mut self, yes: bool) -> Self {
        self.refuse_unpriced = yes;
        self
    }
}

/// What a budget applies to.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum BudgetScope {
    /// One job.
    Job(String),
    /// One provider on one UTC day.
    ProviderDay {
        /// Provider id.
        provider: String,
        /// `YYYY-MM-DD`.
        day: String,
    },
}

impl fmt::Display for BudgetScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Job(j) => write!(f, "job {j}"),
            Self::ProviderDay { provider, day } => write!(f, "provider {provider} on {day}"),
        }
    }
}

/// A budget threshold was reached.
#[derive(Debug, Clone, PartialEq)]
#[non_exhaustive]
pub struct Alert {
    /// Which budget.
    pub scope: BudgetScope,
    /// The threshold reached, percent.
    pub percent: u8,
    /// Spent so far, USD.
    pub spent: Decimal,
    /// The cap, USD.
    pub limit: Decimal,
}

impl fmt::Display for Alert {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "budget alert: {} reached {}% (${} of ${})",
            self.scope, self.percent, self.spent, self.limit
        )
    }
}

type AlertFn = Arc<dyn Fn(&Alert) + Send + Sync>;

#[derive(Default)]
struct Inner {
    config: BudgetConfig,
    job: HashMap<String, Decimal>,
    provider_day: HashMap<(String, String), Decimal>,
    reserved_job: HashMap<String, Decimal>,
    reserved_pd: HashMap<(String, String), Decimal>,
    fired: HashSet<(BudgetScope, u8)>,
    loading: bool,
}

/// Budget bookkeeping shared by the ledger and its reservations.
#[derive(Default, Clone)]
pub(crate) struct BudgetState {
    inner: Arc<Mutex<Inner>>,
    alert: Option<AlertFn>,
}

impl fmt::Debug for BudgetState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("BudgetState")
            .field("config", &self.lock().config)
            .field("alert_callback", &self.alert.is_some())
            .finish_non_exhaustive()
    }
}

impl BudgetState {
    fn lock(&self) -> MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub(crate) fn set_loading(&self, loading: bool) {
        self.lock().loading = loading;
    }

    pub(crate) fn job_spend(&self, job: &str) -> Decimal {
        self.lock().job.get(job).copied().unwrap_or_default()
    }

    pub(crate) fn provider_day_spend(&self, provider: &str, day: &str) -> Decimal {
        self.lock()
            .provider_day
            .get(&(provider.to_owned(), day.to_owned()))
            .copied()
            .unwrap_or_default()
    }

    /// Replace running totals with the store's (spend by every process writing the ledger):
    /// a job's, and a `(provider, day)`'s.
    pub(crate) fn set_spend(
        &self,
        job: Option<(&str, Decimal)>,
        provider_day: Option<((&str, &str), Decimal)>,
    ) {
        let mut g = self.lock();
        if let Some((job, spent)) = job {
            g.job.insert(job.to_owned(), spent);
        }
        if let Some(((provider, day), spent)) = provider_day {
            g.provider_day
                .insert((provider.to_owned(), day.to_owned()), spent);
        }
    }

    /// Add a recorded entry's priced cost to the running totals; the alerts it crosses that
    /// this process has not fired yet (hand them to [`fire`](Self::fire), after the store
    /// claimed them so other processes do not fire them too).
    pub(crate) fn add_spend(&self, entry: &LedgerEntry) -> Vec<Alert> {
        let Some(cost) = entry.cost.usd() else {
            return Vec::new();
        };
        let mut alerts = Vec::new();
        {
            let mut g = self.lock();
            let inner = &mut *g;
            let thresholds = inner.config.thresholds.clone();
            let mut check = |scope: BudgetScope, spent: Decimal, limit: Option<Decimal>| {
                let Some(limit) = limit.filter(|l| *l > Decimal::ZERO) else {
                    return;
                };
                for &pct in &thresholds {
                    if spent * Decimal::from(100) >= limit * Decimal::from(pct)
                        && inner.fired.insert((scope.clone(), pct))
                        && !inner.loading
                    {
                        alerts.push(Alert {
                            scope: scope.clone(),
                            percent: pct,
                            spent,
                            limit,
                        });
                    }
                }
            };
            if let Some(job) = &entry.job {
                let spent = *inner.job.entry(job.clone()).or_default() + cost;
                inner.job.insert(job.clone(), spent);
                check(BudgetScope::Job(job.clone()), spent, inner.config.per_job);
                if !inner.loading {
                    use_gauges("job", "all", spent, inner.config.per_job);
                }
            }
            let key = (entry.provider.clone(), entry.day.clone());
            let spent = *inner.provider_day.entry(key.clone()).or_default() + cost;
            inner.provider_day.insert(key, spent);
            let cap = inner.config.per_provider_day.get(&entry.provider).copied();
            check(
                BudgetScope::ProviderDay {
                    provider: entry.provider.clone(),
                    day: entry.day.clone(),
                },
                spent,
                cap,
            );
            if entry.day == Utc::now().format("%Y-%m-%d").to_string() {
                use_gauges("provider_day", &entry.provider, spent, cap);
            }
        }
        alerts
    }

    /// Fire `alerts`: `tracing::warn!` and the ledger's callback.
    pub(crate) fn fire(&self, alerts: Vec<Alert>) {
        for alert in alerts {
            tracing::warn!(scope = %alert.scope, percent = alert.percent, spent = %alert.spent, limit = %alert.limit, "budget alert");
            if let Some(cb) = &self.alert {
                cb(&alert);
            }
        }
    }

    /// Reserve `estimate` for a call, or refuse it when a cap would be crossed. `held`: the
    /// amounts in flight for the job and for the provider's day across every process (from
    /// a shared store), counted instead of this process's own reservations.
    pub(crate) fn reserve(
        &self,
        job: Option<&str>,
        provider: &str,
        estimate: Decimal,
        held: Option<(Decimal, Decimal)>,
    ) -> Result<Reservation> {
        let day = Utc::now().format("%Y-%m-%d").to_string();
        let mut g = self.lock();
        let inner = &mut *g;
        if let (Some(job), Some(cap)) = (job, inner.config.per_job) {
            let spent = inner.job.get(job).copied().unwrap_or_default();
            let reserved = match held {
                Some((job_held, _)) => job_held,
                None => inner.reserved_job.get(job).copied().unwrap_or_default(),
            };
            if spent + reserved + estimate > cap {
                return Err(refuse(
                    &format!("job {job}"),
                    spent,
                    reserved,
                    estimate,
                    cap,
                ));
            }
        }
        let key = (provider.to_owned(), day);
        if let Some(cap) = inner.config.per_provider_day.get(provider).copied() {
            let spent = inner.provider_day.get(&key).copied().unwrap_or_default();
            let reserved = match held {
                Some((_, day_held)) => day_held,
                None => inner.reserved_pd.get(&key).copied().unwrap_or_default(),
            };
            if spent + reserved + estimate > cap {
                let scope = format!("provider {provider} on {}", key.1);
                return Err(refuse(&scope, spent, reserved, estimate, cap));
            }
        }
        if let Some(job) = job {
            *inner.reserved_job.entry(job.to_owned()).or_default() += estimate;
        }
        *inner.reserved_pd.entry(key.clone()).or_default() += estimate;
        Ok(Reservation {
            state: Arc::clone(&self.inner),
            job: job.map(str::to_owned),
            provider_day: key,
            amount: estimate,
            release: None,
        })
    }
}

/// Set the budget-use gauges ([`ytempire_core::telemetry`]) of one budget: its spend and,
/// when it has a cap, the share of the cap used.
fn use_gauges(scope: &'static str, provider: &str, spent: Decimal, cap: Option<Decimal>) {
    use ytempire_core::telemetry::{BUDGET_SPENT_USD, BUDGET_USED_RATIO};
    let labels = [
        metrics::Label::new("scope", scope),
        metrics::Label::new("provider", provider.to_owned()),
    ];
    metrics::gauge!(BUDGET_SPENT_USD, labels.iter()).set(decimal_f64(spent));
    if let Some(cap) = cap.filter(|c| *c > Decimal::ZERO) {
        metrics::gauge!(BUDGET_USED_RATIO, labels.iter()).set(decimal_f64(spent / cap));
    }
}

/// A decimal amount as `f64` for a metric (0 if out of range).
pub(crate) fn decimal_f64(d: Decimal) -> f64 {
    use rust_decimal::prelude::ToPrimitive;
    d.to_f64().unwrap_or(0.0)
}

fn refuse(
    scope: &str,
    spent: Decimal,
    reserved: Decimal,
    estimate: Decimal,
    cap: Decimal,
) -> Error {
    Error::new(
        ErrorKind::BudgetExceeded,
        format!(
            "budget for {scope} would be exceeded: spent ${spent} + in flight ${reserved} + this call ~${estimate} > cap ${cap}"
        ),
    )
}

/// An estimated cost held against the budgets while a call is in flight; released on drop.
#[must_use = "the reservation is released when dropped"]
pub struct Reservation {
    state: Arc<Mutex<Inner>>,
    job: Option<String>,
    provider_day: (String, String),
    amount: Decimal,
    /// Releases the hold in a shared store (other processes see it there).
    release: Option<Box<dyn FnOnce() + Send + Sync>>,
}

impl fmt::Debug for Reservation {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Reservation")
            .field("job", &self.job)
            .field("provider_day", &self.provider_day)
            .field("amount", &self.amount)
            .field("shared", &self.release.is_some())
            .finish()
    }
}

impl fmt::Debug for Inner {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Inner")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Reservation {
    /// The reserved amount, USD.
    pub fn amount(&self) -> Decimal {
        self.amount
    }

    /// Run `release` when the reservation is dropped (a shared store's hold).
    #[cfg(feature = "postgres")]
    pub(crate) fn on_release(mut self, release: impl FnOnce() + Send + Sync + 'static) -> Self {
        self.release = Some(Box::new(release));
        self
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if let Some(release) = self.release.take() {
            release();
        }
        let mut g = self.state.lock().unwrap_or_else(|p| p.into_inner());
        if let Some(v) = self
            .job
            .as_ref()
            .and_then(|job| g.reserved_job.get_mut(job))
        {
            *v -= self.amount;
        }
        if let Some(v) = g.reserved_pd.get_mut(&self.provider_day) {
            *v -= self.amount;
        }
    }
}

impl CostLedger {
    /// Replace the budget configuration.
    #[must_use]
    pub fn with_budgets(self, config: BudgetConfig) -> Self {
        self.budgets.lock().config = config;
        self
    }

    /// Call `f` for every alert (in addition to `tracing::warn!`).
    #[must_use]
    pub fn on_alert(mut self, f: impl Fn(&Alert) + Send + Sync + 'static) -> Self {
        self.budgets.alert = Some(Arc::new(f));
        self
    }

    /// The budget configuration.
    pub fn budget_config(&self) -> BudgetConfig {
        self.budgets.lock().config.clone()
    }

    /// Estimate what `usage` would cost at `info`'s provider and model.
    pub fn estimate(&self, info: &ProviderInfo, usage: &Usage) -> Cost {
        self.catalog().price(&info.provider, &info.model, usage)
    }

    /// Admit a call estimated at `usage` for `job`: reserve its cost, or refuse it with
    /// [`ErrorKind::BudgetExceeded`] when a cap would be crossed (or when it is paid and
    /// unpriced while [`BudgetConfig::refuse_unpriced`] is set).
    ///
    /// # Errors
    /// [`ErrorKind::BudgetExceeded`] as described.
    pub fn admit(
        &self,
        job: Option<&str>,
        info: &ProviderInfo,
        usage: &Usage,
    ) -> Result<Reservation> {
        let estimate = match self.estimate(info, usage) {
            Cost::Priced(d) => d,
            Cost::Unpriced { reason } => {
                if info.capabilities.paid && self.budgets.lock().config.refuse_unpriced {
                    return Err(Error::new(
                        ErrorKind::BudgetExceeded,
                        format!("cannot budget an unpriced paid call: {reason}"),
                    )
                    .with_provider(info.provider.clone()));
                }
                Decimal::ZERO
            }
        };
        // Spend recorded by other processes (workers sharing the ledger) counts too; on a
        // shared server, so do their calls in flight.
        let day = Utc::now().format("%Y-%m-%d").to_string();
        #[cfg(feature = "postgres")]
        if let Some(held) = self.admit_shared(job, &info.provider, &day, estimate) {
            return held.map_err(|e| e.with_provider(info.provider.clone()));
        }
        self.refresh_spend(job, Some((&info.provider, &day)));
        self.budgets
            .reserve(job, &info.provider, estimate, None)
            .map_err(|e| e.with_provider(info.provider.clone()))
    }
}

/// Decorator that checks budgets before each call. See the [module docs](self).
#[derive(Debug)]
pub struct Budgeted<P> {
    inner: P,
    cheaper: Option<P>,
    ledger: Arc<CostLedger>,
}

impl<P> Budgeted<P> {
    /// Guard `inner` with `ledger`'s budgets; refuse calls that would cross a cap.
    pub fn new(inner: P, ledger: Arc<CostLedger>) -> Self {
        Self {
            inner,
            cheaper: None,
            ledger,
        }
    }

    /// When `inner` would cross a cap, try `cheaper` (if it fits) instead of refusing.
    #[must_use]
    pub fn degrade_to(mut self, cheaper: P) -> Self {
        self.cheaper = Some(cheaper);
        self
    }

    /// Pick the provider to call and hold its reservation.
    fn choose(
        &self,
        info: impl Fn(&P) -> ProviderInfo,
        usage: impl Fn(&P) -> Usage,
    ) -> Result<(&P, Reservation)> {
        let job = current_labels().job;
        let first = self
            .ledger
            .admit(job.as_deref(), &info(&self.inner), &usage(&self.inner));
        match (first, &self.cheaper) {
            (Ok(r), _) => Ok((&self.inner, r)),
            (Err(e), Some(cheap)) if e.kind() == ErrorKind::BudgetExceeded => {
                let r = self
                    .ledger
                    .admit(job.as_deref(), &info(cheap), &usage(cheap))?;
                tracing::warn!(from = %info(&self.inner).label(), to = %info(cheap).label(), "budget: degrading to the cheaper provider");
                Ok((cheap, r))
            }
            (Err(e), _) => Err(e),
        }
    }
}

impl<P: fmt::Display> fmt::Display for Budgeted<P> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Budgeted({})", self.inner)
    }
}

/// Estimated usage of a chat request: prompt tokens (~chars/4) plus `max_tokens` (or the
/// provider's output limit, else 1024) output tokens.
pub fn estimate_chat(info: &ProviderInfo, request: &ChatRequest) -> Usage {
    let input = InputUnit::Tokens.measure(&request.prompt_text()) as u64;
    let output = request
        .max_tokens
        .map(u64::from)
        .or(info.capabilities.max_output.map(|m| m as u64))
        .unwrap_or(1024);
    Usage::tokens(input, output)
}

/// Estimated usage of a speech request: its characters.
pub fn estimate_speech(request: &SpeechRequest) -> Usage {
    Usage::characters(request.text.chars().count() as u64, 0.0)
}

/// Estimated usage of an image request: `count` images (at least one).
pub fn estimate_images(request: &ImageRequest) -> Usage {
    Usage::images(u64::from(request.count.max(1)))
}

/// What a request is expected to use, for [`CostLedger::admit`]: the `estimate_*` functions
/// above, a trends refresh as nothing billable, an upload as YouTube's `videos.insert` quota.
trait Estimate {
    fn estimate(&self, info: &ProviderInfo) -> Usage;
}

impl Estimate for ChatRequest {
    fn estimate(&self, info: &ProviderInfo) -> Usage {
        estimate_chat(info, self)
    }
}

impl Estimate for SpeechRequest {
    fn estimate(&self, _info: &ProviderInfo) -> Usage {
        estimate_speech(self)
    }
}

impl Estimate for ImageRequest {
    fn estimate(&self, _info: &ProviderInfo) -> Usage {
        estimate_images(self)
    }
}

impl Estimate for TrendRequest {
    fn estimate(&self, _info: &ProviderInfo) -> Usage {
        Usage::new()
    }
}

impl Estimate for UploadRequest {
    fn estimate(&self, _info: &ProviderInfo) -> Usage {
        Usage::quota(UPLOAD_QUOTA_UNITS)
    }
}

/// YouTube quota units one `videos.insert` costs.
const UPLOAD_QUOTA_UNITS: u64 = 1600;

/// Names the provider that answered, after degrading (responses without provenance ignore it).
trait Answered {
    fn answered(&mut self, _info: &ProviderInfo) {}
}

impl Answered for ChatResponse {
    fn answered(&mut self, info: &ProviderInfo) {
        self.fill_answered_by(info);
    }
}

impl Answered for Speech {
    fn answered(&mut self, info: &ProviderInfo) {
        self.fill_answered_by(info);
    }
}

impl Answered for ImageResponse {
    fn answered(&mut self, info: &ProviderInfo) {
        self.fill_answered_by(info);
    }
}

impl Answered for TrendResponse {}
impl Answered for UploadReceipt {}

/// `Budgeted<P>` for one provider trait; used through core's `for_each_provider_trait!`, so
/// every capability is budgeted the same way.
macro_rules! budgeted {
    ($trait:ident, $method:ident, $req:ident, $resp:ident $(, $extra:ident : $extra_ty:ty)?) => {
        #[async_trait]
        impl<P: ytempire_core::$trait> ytempire_core::$trait for Budgeted<P> {
            fn info(&self) -> ProviderInfo {
                self.inner.info()
            }

            async fn $method(
                &self,
                request: &ytempire_core::$req
                $(, $extra: $extra_ty)?
            ) -> Result<ytempire_core::$resp> {
                let (p, _held) = self.choose(|p| p.info(), |p| request.estimate(&p.info()))?;
                let mut answer = p.$method(request $(, $extra)?).await?;
                // After degrading, the cheaper provider answered: say so (unless it knows better).
                answer.answered(&p.info());
                Ok(answer)
            }
        }
    };
}

ytempire_core::for_each_provider_trait!(budgeted);
