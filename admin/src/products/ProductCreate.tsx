import { Create } from 'react-admin';
import { ProductForm } from './ProductForm';

export const ProductCreate = () => (
  <Create redirect="edit">
    <ProductForm />
  </Create>
);
