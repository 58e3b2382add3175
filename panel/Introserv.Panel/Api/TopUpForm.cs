using System.ComponentModel.DataAnnotations;
using System.Globalization;

namespace Introserv.Panel.Api;

// A top-up as the person enters it: a payment method and an amount (a dot or a comma before the cents).
public sealed class TopUpForm
{
    [Required(ErrorMessage = "Choose a payment method.")]
    public string Method { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter an amount.")]
    [RegularExpression(@"^\s*\d{1,6}([.,]\d{1,2})?\s*$", ErrorMessage = "Enter an amount such as 50 or 49.90.")]
    public string Amount { get; set; } = string.Empty;

    public decimal? ToAmount() =>
        decimal.TryParse(Amount.Trim().Replace(',', '.'), NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture,
            out var amount) && amount > 0
            ? amount
            : null;
}
