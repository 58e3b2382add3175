using Introserv.Notifications.Data;
using Introserv.Notifications.Messages;
using Introserv.ServiceDefaults;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.EntityFrameworkCore;

namespace Introserv.Notifications.Features;

public sealed record NewsRequest(
    [property: RequiredValue(ErrorMessage = "A UUID naming this issue (sending it again queues nothing twice)."),
        NotEmptyGuid]
    Guid? NewsId,
    [property: RequiredValue, TextLength(NewsEndpoints.MaxSubjectLength), SingleLine] string? Subject,
    [property: RequiredValue, TextLength(NewsEndpoints.MaxTextLength)] string? Text);

public sealed record NewsResponse(Guid NewsId, int Queued);

// News: staff send one issue to every account subscribed to news (newsSubscription), at the account address; accounts
// that opted out get nothing. The id makes sending idempotent: the same id queues nothing for a recipient who
// already has it.
public static class NewsEndpoints
{
    public const int MaxSubjectLength = 150;
    public const int MaxTextLength = 20_000;

    public static IEndpointRouteBuilder MapNewsEndpoints(this IEndpointRouteBuilder app)
    {
        app.MapPost("/api/staff/notifications/news", SendAsync).WithTags("Notifications (staff)")
            .RequireAuthorization(AuthenticationExtensions.StaffPolicy)
            .WithSummary("Send a news issue to every subscribed account")
            .WithDescription(
                "newsId (a UUID the sender chooses: sending it again queues nothing twice), subject (1-150), text " +
                "(1-20000; blank lines separate paragraphs). 202 with the number of mails queued. 400 " +
                "validation_failed.")
            .Produces<NewsResponse>(StatusCodes.Status202Accepted);
        return app;
    }

    private static async Task<Accepted<NewsResponse>> SendAsync(
        NewsRequest request, NotificationsDbContext db, TimeProvider clock, CancellationToken cancellationToken)
    {
        var mail = MailTemplates.News(request.Subject!.Trim(), request.Text!);
        var now = clock.GetUtcNow();
        // One statement: every subscriber at this moment, each once per issue (the unique index drops repeats).
        var queued = await db.Database.ExecuteSqlInterpolatedAsync($"""
            INSERT INTO notifications ("Id", "AccountId", "SourceEventId", "Type", "Category", "Recipient", "Subject", "TextBody", "HtmlBody", "Status", "Attempts", "CreatedAt", "NextAttemptAt")
            SELECT gen_random_uuid(), s."AccountId", {request.NewsId!.Value}, {MessageTypes.News}, {Categories.News}, s."AccountEmail", {mail.Subject}, {mail.Text}, {mail.Html},
                   {NotificationStatuses.Queued}, 0, {now}, {now}
            FROM notification_settings s WHERE s."NewsSubscription" AND s."AccountEmailConfirmed"
            ON CONFLICT ("SourceEventId", "Type", "Recipient") DO NOTHING
            """, cancellationToken);
        return TypedResults.Accepted((string?)null, new NewsResponse(request.NewsId.Value, queued));
    }
}
