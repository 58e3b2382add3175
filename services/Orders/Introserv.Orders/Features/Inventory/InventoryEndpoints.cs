using System.Text;
using Microsoft.AspNetCore.WebUtilities;

namespace Introserv.Orders.Features.Inventory;

public sealed record PoolAddressResponse(
    string Address, string State, Guid? OrderId, Guid? AccountId,
    DateTimeOffset? AssignedAt, DateTimeOffset AddedAt, DateTimeOffset? RetiredAt);


public sealed record AddressPoolSummary(int Free, int Assigned, int Retired);

public sealed record AddAddressesRequest([property: RequiredValue, TextLength(100)] string? Range);

public sealed record AddedAddresses(int Added, int AlreadyPresent);

// Staff manage the address pool: add ranges, retire an address (never handed out again) or reinstate it, and see
// which order holds which address.
public static class InventoryEndpoints
{
    public static class States
    {
        public const string Free = "free";
        public const string Assigned = "assigned";
        public const string Retired = "retired";
    }

    public static IEndpointRouteBuilder MapInventoryEndpoints(this IEndpointRouteBuilder app)
    {
        var staff = app
            .MapGroup("/api/staff/addresses")
            .WithTags("Address pool (staff)")
            .RequireAuthorization(AuthenticationExtensions.StaffPolicy);
        staff.MapGet("/", ListAsync)
            .WithSummary("The pool's addresses in address order, each free, assigned (with the order and account " +
                "holding it) or retired; ?state=free|assigned|retired filters, paged by nextCursor")
            .Answers<Page<PoolAddressResponse>>(StatusCodes.Status200OK).Paged();
        staff.MapGet("/summary", SummaryAsync).WithSummary("How many addresses are free, assigned and retired")
            .Answers<AddressPoolSummary>(StatusCodes.Status200OK);
        staff.MapGet("/{address}", GetAsync).WithSummary("One address of the pool")
            .Answers<PoolAddressResponse>(
                StatusCodes.Status200OK, OrdersProblems.InvalidAddress, OrdersProblems.AddressNotFound);
        staff.MapPost("/", AddAsync)
            .WithSummary("Add a range (\"203.0.113.10-203.0.113.250\", or one address; at most 4096): " +
                "addresses already in the pool stay as they are")
            .Answers<AddedAddresses>(StatusCodes.Status200OK);
        staff.MapPost(
                "/{address}/retire",
                (string address, OrdersDbContext db, TimeProvider clock, CancellationToken ct) =>
                    SetRetiredAsync(address, clock.GetUtcNow(), db, ct))
            .WithSummary("Retire an address: it is never handed out again " +
                "(an order holding it keeps it until the service ends)")
            .Answers<PoolAddressResponse>(
                StatusCodes.Status200OK, OrdersProblems.InvalidAddress, OrdersProblems.AddressNotFound);
        staff.MapPost(
                "/{address}/reinstate",
                (string address, OrdersDbContext db, CancellationToken ct) => SetRetiredAsync(address, null, db, ct))
            .WithSummary("Put a retired address back in service")
            .Answers<PoolAddressResponse>(
                StatusCodes.Status200OK, OrdersProblems.InvalidAddress, OrdersProblems.AddressNotFound);
        return app;
    }

    private static async Task<Results<Ok<Page<PoolAddressResponse>>, ProblemHttpResult>> ListAsync(
        string? state, [AsParameters] PageQuery page, OrdersDbContext db, CancellationToken cancellationToken)
    {
        if (state is not (null or States.Free or States.Assigned or States.Retired))
        {
            return FieldError.Result("state", "free, assigned or retired.");
        }

        if (page.LimitProblem() is { } problem)
        {
            return problem;
        }

        var after = DecodeCursor(page.Cursor);
        if (page.Cursor is not null && after is null)
        {
            return PageQuery.CursorProblem();
        }

        var query = db.AddressPool.AsNoTracking();
        query = state switch
        {
            States.Free => query.Where(a => a.OrderId == null && a.RetiredAt == null),
            States.Assigned => query.Where(a => a.OrderId != null),
            States.Retired => query.Where(a => a.OrderId == null && a.RetiredAt != null),
            _ => query,
        };
        if (after is not null)
        {
            query = query.Where(a => a.Address.CompareTo(after) > 0);
        }

        var rows = await View(query.OrderBy(a => a.Address).Take(page.Take + 1), db).ToListAsync(cancellationToken);
        return TypedResults.Ok(page.PageOf(rows, a => EncodeCursor(a.Address)));
    }

    private static async Task<Ok<AddressPoolSummary>> SummaryAsync(
        OrdersDbContext db, CancellationToken cancellationToken)
    {
        var counts = await db.AddressPool.AsNoTracking()
            .GroupBy(a => a.OrderId != null ? 1 : a.RetiredAt != null ? 2 : 0)
            .Select(g => new { State = g.Key, Count = g.Count() })
            .ToDictionaryAsync(x => x.State, x => x.Count, cancellationToken);
        return TypedResults.Ok(new AddressPoolSummary(
            counts.GetValueOrDefault(0), counts.GetValueOrDefault(1), counts.GetValueOrDefault(2)));
    }

    private static async Task<Results<Ok<PoolAddressResponse>, ProblemHttpResult>> GetAsync(
        string address, OrdersDbContext db, CancellationToken cancellationToken)
    {
        if (AddressRange.Canonical(address) is not { } canonical)
        {
            return InvalidAddress();
        }

        return await View(db.AddressPool.AsNoTracking().Where(a => a.Address == canonical), db)
            .FirstOrDefaultAsync(cancellationToken) is { } row
            ? TypedResults.Ok(row)
            : NotFound();
    }

    private static async Task<Results<Ok<AddedAddresses>, ProblemHttpResult>> AddAsync(
        AddAddressesRequest request, OrdersDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        if (!AddressRange.TryParse(request.Range, out var range, out var error))
        {
            return FieldError.Result("range", error);
        }

        var added = await db.AddAddressesAsync(range, clock.GetUtcNow(), cancellationToken);
        return TypedResults.Ok(new AddedAddresses(added, range.Count - added));
    }

    private static async Task<Results<Ok<PoolAddressResponse>, ProblemHttpResult>> SetRetiredAsync(
        string address, DateTimeOffset? retiredAt, OrdersDbContext db, CancellationToken cancellationToken)
    {
        if (AddressRange.Canonical(address) is not { } canonical)
        {
            return InvalidAddress();
        }

        // Retiring keeps the first retirement's time; one statement, so it races with no order taking the address.
        var changed = await db.AddressPool.Where(a => a.Address == canonical)
            .ExecuteUpdateAsync(
                a => a.SetProperty(x => x.RetiredAt, x => retiredAt == null ? null : x.RetiredAt ?? retiredAt),
                cancellationToken);
        return changed == 0
            ? NotFound()
            : TypedResults.Ok(await View(db.AddressPool.AsNoTracking().Where(a => a.Address == canonical), db)
                .FirstAsync(cancellationToken));
    }

    private static IQueryable<PoolAddressResponse> View(IQueryable<PoolAddress> addresses, OrdersDbContext db) =>
        from a in addresses
        join o in db.Orders on a.OrderId equals o.Id into held
        from o in held.DefaultIfEmpty()
        select new PoolAddressResponse(
            a.Address, a.OrderId != null ? States.Assigned : a.RetiredAt != null ? States.Retired : States.Free,
            a.OrderId, o == null ? null : o.AccountId, a.AssignedAt, a.AddedAt, a.RetiredAt);

    private static string EncodeCursor(string address) => WebEncoders.Base64UrlEncode(Encoding.UTF8.GetBytes(address));

    private static string? DecodeCursor(string? cursor)
    {
        if (cursor is null or { Length: > 80 } || !cursor.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_'))
        {
            return null;
        }

        try
        {
            var text = Encoding.UTF8.GetString(WebEncoders.Base64UrlDecode(cursor));
            return AddressRange.Canonical(text) == text ? text : null;
        }
        catch (FormatException)
        {
            return null;
        }
    }

    private static ProblemHttpResult InvalidAddress() =>
        OrdersProblems.InvalidAddress.Result(
            "The path names an IPv4 or IPv6 address in its usual form, such as 203.0.113.10.");

    private static ProblemHttpResult NotFound() =>
        OrdersProblems.AddressNotFound.Result("The pool has no such address; add it first.");
}
