using Grpc.Core;
using Introserv.BuildingBlocks.Data;
using Introserv.Orders.Features.Balance;
using Introserv.Orders.Features.PlaceOrder;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Features.Demo;

// The demo customer's money and services in local runs (Orders:DemoCustomer; Identity creates the account with
// the same id).
public sealed class DemoCustomerOptions
{
    public const string Section = "Orders:DemoCustomer";

    public Guid AccountId { get; set; }

    public decimal Balance { get; set; }

    public List<DemoOrder> Orders { get; set; } = [];
}

public sealed class DemoOrder
{
    public string PlanId { get; set; } = "";

    public int PeriodMonths { get; set; } = 1;

    // The plan's order form, by field name (Orders:DemoCustomer:Orders:0:Fields:hostname).
    public Dictionary<string, string?> Fields { get; set; } = [];
}

// Development only, after the migrations: credits the demo customer's balance once (a payment reference of its
// own) and, when the account has no orders yet, places the configured ones, paid from that balance.
public sealed class DemoSeeder(
    IServiceScopeFactory scopes, MigrationState<OrdersDbContext> migrations, IOptions<DemoCustomerOptions> options,
    IHostEnvironment environment, ILogger<DemoSeeder> logger) : BackgroundService
{
    public const string PaymentReference = "demo-seed";

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        var demo = options.Value;
        if (demo.AccountId == Guid.Empty)
        {
            return;
        }

        if (!environment.IsDevelopment())
        {
            logger.LogError(
                "Orders:DemoCustomer is for local development and is ignored in {Environment}",
                environment.EnvironmentName);
            return;
        }

        try
        {
            await migrations.WhenApplied(stoppingToken);
            await using var scope = scopes.CreateAsyncScope();
            var db = scope.ServiceProvider.GetRequiredService<OrdersDbContext>();
            var ledger = scope.ServiceProvider.GetRequiredService<Ledger>();
            var placement = scope.ServiceProvider.GetRequiredService<OrderPlacement>();
            if (demo.Balance > 0)
            {
                await db.InTransactionAsync(ct => ledger.PostAsync(demo.AccountId,
                    new Posting(demo.Balance, PlanCatalogue.Currency, LedgerRules.TopUp, LedgerRules.Payment,
                        PaymentReference, "Demo balance for local runs"), ct), stoppingToken);
            }

            if (await db.Orders.AnyAsync(o => o.AccountId == demo.AccountId, stoppingToken))
            {
                return;
            }

            // Taxed as the profile says, or (Profile not up yet) as a customer in the seller's country.
            TaxDecision tax;
            try
            {
                tax = (await placement.BillingAsync(demo.AccountId, stoppingToken)).Tax;
            }
            catch (RpcException)
            {
                tax = TaxRules.Decide(
                    scope.ServiceProvider.GetRequiredService<TaxSettings>(), new TaxCustomer(null, false));
            }

            foreach (var wanted in demo.Orders)
            {
                var plan = await db.Plans
                    .AsNoTracking()
                    .Include(p => p.Periods)
                    .SingleAsync(p => p.Id == wanted.PlanId, stoppingToken);
                var period = plan.Periods.Single(p => p.Months == wanted.PeriodMonths);
                var (fields, refused) = OrderForm.Check(plan.FormFields, wanted.Fields);
                if (refused.Count > 0)
                {
                    throw new InvalidOperationException(
                        $"The demo order of {plan.Id} does not fill its order form: " +
                        string.Join("; ", refused.Select(e => $"{e.Key}: {string.Join(" ", e.Value)}")));
                }

                await db.InTransactionAsync(
                    ct => placement.PlaceAsync(
                        demo.AccountId, plan, period, autoRenew: false, fields, mayPay: true, tax, ct),
                    stoppingToken);
            }

            logger.LogInformation("Seeded the demo customer's balance and {Count} orders", demo.Orders.Count);
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
        }
        catch (Exception ex)
        {
            logger.LogError(ex, "Seeding the demo customer failed");
        }
    }
}
