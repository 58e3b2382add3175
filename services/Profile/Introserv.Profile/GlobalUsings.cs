// What nearly every feature uses: the profiles' database, the caller's claims and the typed results.
global using System.Security.Claims;
global using Introserv.Profile.Data;
global using Introserv.ServiceDefaults;
global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.EntityFrameworkCore;
