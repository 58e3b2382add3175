namespace Introserv.Panel.Api;

// The order history's filters as the person enters them: a status and days in the browser's time zone. The API
// takes instants, so "until" is the end of the day entered (the next day's start, which the API excludes).
public sealed record HistoryFilter
{
    public string Status { get; set; } = string.Empty;

    public DateOnly? From { get; set; }

    public DateOnly? To { get; set; }

    public DateTimeOffset? FromInstant => StartOf(From);

    public DateTimeOffset? ToInstant => StartOf(To?.AddDays(1));

    private static DateTimeOffset? StartOf(DateOnly? day)
    {
        if (day is not { } date)
        {
            return null;
        }

        var local = date.ToDateTime(TimeOnly.MinValue, DateTimeKind.Local);
        return new DateTimeOffset(local, TimeZoneInfo.Local.GetUtcOffset(local));
    }
}
