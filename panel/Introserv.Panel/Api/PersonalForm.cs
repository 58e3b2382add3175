using System.ComponentModel.DataAnnotations;

namespace Introserv.Panel.Api;

// The personal information form: checked here first, and again by the API (whose field errors are shown too).
public sealed class PersonalForm
{
    [Required(ErrorMessage = "Enter your first name.")]
    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string FirstName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your last name.")]
    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string LastName { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your city.")]
    [StringLength(100, ErrorMessage = "At most 100 characters.")]
    public string City { get; set; } = string.Empty;

    [Required(ErrorMessage = "Enter your address.")]
    [StringLength(200, ErrorMessage = "At most 200 characters.")]
    public string Address { get; set; } = string.Empty;
}
