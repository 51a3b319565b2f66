/** A customer to register; the store gives it its id (`customerId`). */
export interface NewCustomer {
  email: string;
  firstName: string;
  middleName: string | null;
  lastName: string;
  phone: string | null;
}
