using System.IO.Compression;

namespace Introserv.Identity.Features.Registration;

// The most common passwords (the 100,000 most frequent of the SecLists collection, those of 8 to 128
// characters, compared case-insensitively), which registration and password changes refuse.
public sealed class CommonPasswords
{
    private readonly HashSet<string> _passwords;

    private CommonPasswords(HashSet<string> passwords) => _passwords = passwords;

    public int Count => _passwords.Count;

    public bool Contains(string password) => _passwords.Contains(password);

    public static CommonPasswords Load()
    {
        using var resource = typeof(CommonPasswords).Assembly.GetManifestResourceStream("common-passwords.txt.gz")
            ?? throw new InvalidOperationException("The common-password list is not embedded.");
        using var gzip = new GZipStream(resource, CompressionMode.Decompress);
        using var reader = new StreamReader(gzip);
        var set = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length > 0)
            {
                set.Add(line);
            }
        }

        return new CommonPasswords(set);
    }
}
