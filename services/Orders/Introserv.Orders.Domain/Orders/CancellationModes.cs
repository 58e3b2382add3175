namespace Introserv.Orders.Domain;

public static class CancellationModes
{
    public const string Immediate = "immediate";
    public const string EndOfTerm = "end_of_term";

    // The lifecycle job's: never paid within the payment window.
    public const string Unpaid = "unpaid";
}
