@stability
Feature: A node runs for hours of device time without drifting
  Hours pass in seconds: the native node's clock jumps from one event to the next, QEMU skips idle time.

  Scenario: six hours with no growth in peak stack use
    Given a node
    And the node reports every 60 seconds
    And 1 hour passes on the node's clock
    And the node's peak stack use is noted
    When 5 hours pass on the node's clock
    Then the node's peak stack use has not grown
    And the readings on the link have no gaps and no duplicates
    And the link carries at least 360 readings from the node
    And the node's dropped counter is 0

  @slow
  Scenario: a day of device time with Wi-Fi lost every few hours
    Given a node
    And the node reports every 60 seconds
    And 1 hour passes on the node's clock
    And the node's peak stack use is noted
    When Wi-Fi drops for 5 minutes
    And 6 hours pass on the node's clock
    And Wi-Fi drops for 5 minutes
    And 6 hours pass on the node's clock
    And Wi-Fi drops for 5 minutes
    And 11 hours pass on the node's clock
    Then the node's peak stack use has not grown
    And the readings on the link have no gaps and no duplicates
    And the link carries at least 1440 readings from the node
    And the node's dropped counter is 0
