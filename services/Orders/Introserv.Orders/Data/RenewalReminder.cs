namespace Introserv.Orders.Data;

// A renewal reminder that was sent: for an order, the paid term it was about (its paidUntil) and the reminder day
// (7, 3, 1 days ahead). Its key makes a second reminder for the same term and day impossible.
public sealed class RenewalReminder
{
    public Guid OrderId { get; set; }

    public DateTimeOffset PaidUntil { get; set; }

    public int DaysAhead { get; set; }

    public DateTimeOffset SentAt { get; set; }
}
