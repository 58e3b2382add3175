// Every feature works on the domain's types and the service's database.
global using Introserv.Orders.Data;
global using Introserv.Orders.Domain;
