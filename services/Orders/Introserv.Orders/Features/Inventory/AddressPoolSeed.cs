using System.ComponentModel.DataAnnotations;
using Introserv.BuildingBlocks.Data;
using Microsoft.Extensions.Options;

namespace Introserv.Orders.Features.Inventory;

// Orders:AddressPool:Seed: ranges a deployment puts in the pool with its schema (local runs: documentation
// ranges). Production normally leaves it empty and manages addresses through /api/staff/addresses.
public sealed class AddressPoolOptions : IValidatableObject
{
    public const string Section = "Orders:AddressPool";

    public List<string> Seed { get; set; } = [];

    public IEnumerable<ValidationResult> Validate(ValidationContext validationContext) =>
        Seed.Select(text => AddressRange.TryParse(text, out _, out var error)
                ? null
                : new ValidationResult($"{Section}:Seed: {error}"))
            .OfType<ValidationResult>();
}

// Adds the configured ranges after the migrations; addresses already there (held or retired) stay as they are.
public sealed class AddressPoolSeed(IOptions<AddressPoolOptions> options, TimeProvider clock)
    : IDatabaseSeed<OrdersDbContext>
{
    public async Task SeedAsync(OrdersDbContext db, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(db);
        foreach (var text in options.Value.Seed)
        {
            // Checked at start-up (ValidateOnStart), so every entry parses here.
            if (AddressRange.TryParse(text, out var range, out _))
            {
                await db.AddAddressesAsync(range, clock.GetUtcNow(), cancellationToken);
            }
        }
    }
}
