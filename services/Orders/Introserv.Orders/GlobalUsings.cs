// Every feature works on the domain's types and the service's database, answers typed results and reads the
// caller from the token.
global using Introserv.Orders.Data;
global using Introserv.Orders.Domain;
global using Introserv.Orders.Features.Common;
global using Introserv.ServiceDefaults;
global using Microsoft.AspNetCore.Http.HttpResults;
global using Microsoft.EntityFrameworkCore;
global using Introserv.Orders.Features.Taxes;
