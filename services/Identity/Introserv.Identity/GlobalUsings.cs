// What nearly every feature uses: the accounts' database, the caller's claims and the typed results.
global using System.Security.Claims;
global using Introserv.Identity.Data;
global using Introserv.ServiceDefaults;
global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.AspNetCore.Identity;
global using Microsoft.EntityFrameworkCore;
