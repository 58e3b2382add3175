namespace Introserv.Orders.Tests;

// payments-dev approves payments for whoever clicks.
public sealed class DevPaymentsEnvironmentTests() : DevelopmentToolEnvironmentTests("Introserv.Orders.DevPayments");
